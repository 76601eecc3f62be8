/**
 * Many CRM syncs in one batch upsert: each delivery's outcome comes from its own input's result or
 * error, against the stateful stand-in that answers as HubSpot documents (200, 207 naming the
 * failed inputs, 400 for the whole batch, 429).
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	connectorLogs,
	HUBSPOT_RATE_LIMIT_BODY,
	startHubSpotStandIn,
} from "../../../test/support/vendor-stand-ins.ts";
import type {
	BatchDelivery,
	CustomerSnapshot,
	DeliveryRequest,
} from "../../core/index.ts";
import { createHubSpotConnector, HUBSPOT_BATCH_SIZE } from "./connector.ts";

const TOKEN = "pat-na1-plumb-batch-7777-8888-9999";

function person(n: number, overrides: Partial<CustomerSnapshot> = {}) {
	return {
		id: `cus-${n}`,
		email: `person${n}@example.com`,
		name: `Person ${n}`,
		tier: "standard",
		lifecycle_stage: "customer",
		url: `https://plumb.example/admin/customers/cus-${n}`,
		...overrides,
	} satisfies CustomerSnapshot;
}

function crmSync(customer: CustomerSnapshot | undefined): DeliveryRequest {
	return {
		id: randomUUID(),
		destination: "hubspot",
		action: "crm_sync",
		idempotencyKey: randomUUID(),
		attempt: 1,
		payload: {},
		customer,
	};
}

const signal = () => AbortSignal.timeout(10_000);

describe("HubSpot batch upsert: one call, an outcome per delivery", () => {
	let vendor: Awaited<ReturnType<typeof startHubSpotStandIn>>;
	let batch: BatchDelivery;
	beforeEach(async () => {
		vendor = await startHubSpotStandIn({ token: TOKEN });
		const connector = createHubSpotConnector(
			{ accessToken: TOKEN, baseUrl: vendor.url },
			{ logger: connectorLogs().logger, fetch, now: Date.now },
		);
		if (connector.batch === undefined) throw new Error("no batch support");
		batch = connector.batch;
		// The properties exist already, so the bootstrap is one read.
		await connector.deliver(crmSync(person(0)), signal());
		vendor.requests.length = 0;
	});
	afterEach(async () => {
		await vendor.close();
	});

	const calls = () =>
		vendor.requests.map((r) => `${r.method} ${r.path.split("/").pop()}`);
	const contactId = (n: number) =>
		vendor.contacts.get(`person${n}@example.com`)?.id;

	it("syncs 100 contacts in one stage read and one upsert, each delivery getting its own contact id", async () => {
		const requests = Array.from({ length: HUBSPOT_BATCH_SIZE }, (_, i) =>
			crmSync(person(i + 1)),
		);
		const outcomes = await batch.deliverMany(requests, signal());
		expect(calls()).toEqual(["POST read", "POST upsert"]);
		expect(vendor.contacts.size).toBe(101);
		expect(
			outcomes.map((o) => (o.kind === "ok" ? o.externalRef : o.kind)),
		).toEqual(requests.map((_, i) => contactId(i + 1)));
		expect(
			new Set(outcomes.map((o) => o.kind === "ok" && o.externalRef)).size,
		).toBe(100);
	});

	it("reads a 207: the inputs HubSpot names fail on their own, classified; the others succeed with their own ids", async () => {
		vendor.state.refuse.set("person2@example.com", {
			status: "400",
			category: "VALIDATION_ERROR",
			message: "Property values were not valid: phone",
		});
		vendor.state.refuse.set("person4@example.com", {
			status: "500",
			category: "INTERNAL_ERROR",
			message: "Something went wrong",
		});
		const requests = [1, 2, 3, 4, 5].map((n) => crmSync(person(n)));
		const outcomes = await batch.deliverMany(requests, signal());
		expect(calls()).toEqual(["POST read", "POST upsert"]);
		// Results skip the refused inputs, so position would pin the wrong ids: matching is by trace id.
		expect(outcomes).toEqual([
			{ kind: "ok", externalRef: contactId(1), httpStatus: undefined },
			{
				kind: "permanent",
				reason: expect.stringMatching(
					/^HubSpot refused the contact \(207\): VALIDATION_ERROR: Property values were not valid: phone/,
				),
				httpStatus: undefined,
			},
			{ kind: "ok", externalRef: contactId(3), httpStatus: undefined },
			{
				kind: "retry",
				reason: expect.stringMatching(/INTERNAL_ERROR/),
			},
			{ kind: "ok", externalRef: contactId(5), httpStatus: undefined },
		]);
		expect(contactId(2)).toBeUndefined();
		expect(contactId(4)).toBeUndefined();
	});

	it("finds its results by e-mail when HubSpot echoes no trace id", async () => {
		vendor.fail(
			{
				kind: "status",
				status: 200,
				body: {
					status: "COMPLETE",
					// HubSpot's order, not ours, and no objectWriteTraceId.
					results: [3, 1, 2].map((n) => ({
						id: String(500 + n),
						new: true,
						properties: { email: `PERSON${n}@example.com` },
						createdAt: "2026-12-06T00:00:00.000Z",
						updatedAt: "2026-12-06T00:00:00.000Z",
						archived: false,
					})),
					startedAt: "2026-12-06T00:00:00.000Z",
					completedAt: "2026-12-06T00:00:00.000Z",
				},
			},
			{ times: 1, when: (r) => r.path.endsWith("/batch/upsert") },
		);
		const outcomes = await batch.deliverMany(
			[1, 2, 3].map((n) => crmSync(person(n))),
			signal(),
		);
		expect(outcomes.map((o) => o.kind === "ok" && o.externalRef)).toEqual([
			"501",
			"502",
			"503",
		]);
	});

	it("an error naming no contact is blamed only when one contact is left without a result", async () => {
		const anonymous = (results: unknown[]) =>
			vendor.fail(
				{
					kind: "status",
					status: 207,
					body: {
						status: "COMPLETE",
						results,
						errors: [
							{
								status: "400",
								category: "VALIDATION_ERROR",
								message: "Property values were not valid",
								context: {},
								errors: [],
								links: {},
							},
						],
						numErrors: 1,
						startedAt: "2026-12-06T00:00:00.000Z",
						completedAt: "2026-12-06T00:00:00.000Z",
					},
				},
				{ times: 1, when: (r) => r.path.endsWith("/batch/upsert") },
			);
		const result = (n: number) => ({
			id: String(600 + n),
			new: true,
			properties: { email: `person${n}@example.com` },
			createdAt: "2026-12-06T00:00:00.000Z",
			updatedAt: "2026-12-06T00:00:00.000Z",
			archived: false,
		});
		anonymous([result(1), result(2)]);
		const one = await batch.deliverMany(
			[1, 2, 3].map((n) => crmSync(person(n))),
			signal(),
		);
		expect(one.map((o) => o.kind)).toEqual(["ok", "ok", "permanent"]);
		anonymous([result(1)]);
		const two = await batch.deliverMany(
			[1, 2, 3].map((n) => crmSync(person(n))),
			signal(),
		);
		// Two contacts without a result and one error naming neither: nobody is charged a refusal.
		expect(two.map((o) => o.kind)).toEqual(["ok", "retry", "retry"]);
	});

	it("a whole batch refused for one contact's value is split until only that contact fails", async () => {
		vendor.state.poison.add("person13@example.com");
		const requests = Array.from({ length: 20 }, (_, i) =>
			crmSync(person(i + 1)),
		);
		const outcomes = await batch.deliverMany(requests, signal());
		expect(outcomes.filter((o) => o.kind === "ok")).toHaveLength(19);
		expect(outcomes[12]).toMatchObject({
			kind: "permanent",
			httpStatus: 400,
			reason: expect.stringMatching(/INVALID_OPTION for person13/),
		});
		// 1 + 2 per halving on the way down to one contact: log2(20) rounds up to 5.
		const upserts = calls().filter((c) => c === "POST upsert").length;
		expect(upserts).toBeLessThanOrEqual(1 + 2 * 5);
		expect(vendor.contacts.size).toBe(20);
	});

	it("a 429 for the batch is every delivery's retry after HubSpot's window, and nothing is split", async () => {
		vendor.fail(
			{
				kind: "status",
				status: 429,
				headers: {
					"x-hubspot-ratelimit-interval-milliseconds": "10000",
					"x-hubspot-ratelimit-remaining": "0",
				},
				body: HUBSPOT_RATE_LIMIT_BODY,
			},
			{ times: 1, when: (r) => r.path.endsWith("/batch/upsert") },
		);
		const outcomes = await batch.deliverMany(
			[1, 2, 3].map((n) => crmSync(person(n))),
			signal(),
		);
		for (const o of outcomes)
			expect(o).toMatchObject({
				kind: "retry",
				rateLimited: true,
				afterMs: 10_000,
				httpStatus: 429,
			});
		expect(calls()).toEqual(["POST read", "POST upsert"]);
	});

	it("reads every stage in one call: a new contact gets ours, an existing one moves only forward", async () => {
		vendor.contacts.set("person1@example.com", {
			id: "71",
			properties: {
				email: "person1@example.com",
				lifecyclestage: "evangelist",
			},
		});
		vendor.contacts.set("person2@example.com", {
			id: "72",
			properties: { email: "person2@example.com", lifecyclestage: "lead" },
		});
		await batch.deliverMany(
			[1, 2, 3].map((n) => crmSync(person(n))),
			signal(),
		);
		const read = vendor.requests.find((r) => r.path.endsWith("/batch/read"));
		expect(read?.body).toEqual({
			idProperty: "email",
			inputs: [1, 2, 3].map((n) => ({ id: `person${n}@example.com` })),
			properties: ["email", "lifecyclestage"],
			propertiesWithHistory: [],
		});
		const sent = (n: number) =>
			vendor.writes.find((w) => w.email === `person${n}@example.com`)
				?.properties.lifecyclestage;
		expect([sent(1), sent(2), sent(3)]).toEqual([
			undefined,
			"customer",
			"customer",
		]);
	});

	it("settles the ones it cannot send without calling for them, and sends one contact once per batch", async () => {
		const requests = [
			crmSync(person(1)),
			crmSync(person(2, { email: undefined })),
			crmSync(undefined),
			crmSync(person(3, { email: " PERSON1@example.com " })),
			crmSync(person(4, { lifecycle_stage: undefined })),
		];
		const outcomes = await batch.deliverMany(requests, signal());
		expect(outcomes.map((o) => o.kind)).toEqual([
			"ok",
			"permanent",
			"permanent",
			"retry",
			"ok",
		]);
		const upsert = vendor.requests.find((r) => r.path.endsWith("/batch/upsert"))
			?.body as { inputs: Array<{ id: string }> };
		expect(upsert.inputs.map((i) => i.id)).toEqual([
			"person1@example.com",
			"person4@example.com",
		]);
		// Only the contact with a stage on offer is read.
		const read = vendor.requests.find((r) => r.path.endsWith("/batch/read"))
			?.body as { inputs: Array<{ id: string }> };
		expect(read.inputs).toEqual([{ id: "person1@example.com" }]);
	});
});
