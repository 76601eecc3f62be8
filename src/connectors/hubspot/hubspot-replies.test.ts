import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	connectorLogs,
	startHubSpotStandIn,
} from "../../../test/support/vendor-stand-ins.ts";
import type {
	Connector,
	CustomerSnapshot,
	DeliveryRequest,
} from "../../core/index.ts";
import { createHubSpotConnector } from "./connector.ts";

const TOKEN = "pat-na1-plumb-test-3333-4444-5555";

function customer(): CustomerSnapshot {
	return {
		id: "cus-1",
		email: "ada@example.com",
		tier: "standard",
		lifecycle_stage: "customer",
		url: "https://plumb.example/admin/customers/cus-1",
	};
}

function crmSync(snapshot: CustomerSnapshot): DeliveryRequest {
	return {
		id: randomUUID(),
		destination: "hubspot",
		action: "crm_sync",
		idempotencyKey: randomUUID(),
		attempt: 1,
		payload: {},
		customer: snapshot,
	};
}

const signal = () => AbortSignal.timeout(5_000);

describe("HubSpot replies beyond plain success and failure", () => {
	let vendor: Awaited<ReturnType<typeof startHubSpotStandIn>>;
	let connector: Connector;
	beforeEach(async () => {
		vendor = await startHubSpotStandIn({ token: TOKEN });
		connector = createHubSpotConnector(
			{ accessToken: TOKEN, baseUrl: vendor.url },
			{ logger: connectorLogs().logger, fetch, now: Date.now },
		);
	});
	afterEach(async () => {
		await vendor.close();
	});

	it("reads a 207: ours succeeded beside others' errors → ok; only errors → classified", async () => {
		await connector.deliver(crmSync(customer()), signal());
		const batch = (body: object) =>
			vendor.fail(
				{ kind: "status", status: 207, body },
				{ times: 1, when: (r) => r.path.endsWith("/batch/upsert") },
			);
		const result = {
			id: "1001",
			new: false,
			properties: { email: "ada@example.com" },
			createdAt: "x",
			updatedAt: "x",
			archived: false,
		};
		const error = (status: string, category: string) => ({
			status,
			category,
			message: `${category} happened`,
			context: {},
			errors: [],
			links: {},
		});
		batch({
			status: "COMPLETE",
			results: [result],
			errors: [error("400", "VALIDATION_ERROR")],
			numErrors: 1,
			startedAt: "x",
			completedAt: "x",
		});
		expect(
			await connector.deliver(crmSync(customer()), signal()),
		).toMatchObject({ kind: "ok", externalRef: "1001" });
		batch({
			status: "COMPLETE",
			results: [],
			errors: [error("400", "VALIDATION_ERROR")],
			startedAt: "x",
			completedAt: "x",
		});
		expect(
			await connector.deliver(crmSync(customer()), signal()),
		).toMatchObject({
			kind: "permanent",
			reason: expect.stringMatching(/VALIDATION_ERROR happened/),
		});
		batch({
			status: "COMPLETE",
			results: [],
			errors: [error("429", "RATE_LIMITS")],
			startedAt: "x",
			completedAt: "x",
		});
		expect(
			await connector.deliver(crmSync(customer()), signal()),
		).toMatchObject({ kind: "retry", rateLimited: true });
		batch({
			status: "COMPLETE",
			results: [],
			errors: [error("500", "ERROR")],
			startedAt: "x",
			completedAt: "x",
		});
		expect(
			await connector.deliver(crmSync(customer()), signal()),
		).toMatchObject({ kind: "retry" });
	});

	it("waits out HubSpot's rate-limit window when a 429 carries no Retry-After", async () => {
		const now = Date.parse("2026-11-23T23:30:00.000Z");
		const pinned = createHubSpotConnector(
			{ accessToken: TOKEN, baseUrl: vendor.url },
			{ logger: connectorLogs().logger, fetch, now: () => now },
		);
		vendor.fail(
			{
				kind: "status",
				status: 429,
				headers: {
					"x-hubspot-ratelimit-interval-milliseconds": "10000",
					"x-hubspot-ratelimit-remaining": "0",
				},
				body: {
					status: "error",
					message: "You have reached your ten_secondly_rolling limit.",
					errorType: "RATE_LIMIT",
					policyName: "TEN_SECONDLY_ROLLING",
					correlationId: "x",
				},
			},
			{ times: 1 },
		);
		expect(await pinned.deliver(crmSync(customer()), signal())).toMatchObject({
			kind: "retry",
			afterMs: 10_000,
			rateLimited: true,
		});
		vendor.fail(
			{
				kind: "status",
				status: 429,
				body: {
					status: "error",
					message: "You have reached your daily limit.",
					errorType: "RATE_LIMIT",
					policyName: "DAILY",
					correlationId: "x",
				},
			},
			{ times: 1 },
		);
		expect(await pinned.deliver(crmSync(customer()), signal())).toMatchObject({
			kind: "retry",
			afterMs: 1_800_000,
			rateLimited: true,
		});
	});

	it("explains a missing scope, and tries the property bootstrap again on the next delivery", async () => {
		vendor.fail(
			{
				kind: "status",
				status: 403,
				body: {
					status: "error",
					message: "This app hasn't been granted all required scopes.",
					category: "MISSING_SCOPES",
					correlationId: "x",
				},
			},
			{
				times: 1,
				when: (r) =>
					r.method === "POST" && r.path === "/crm/v3/properties/contacts",
			},
		);
		const refused = await connector.deliver(crmSync(customer()), signal());
		expect(refused).toMatchObject({ kind: "permanent", httpStatus: 403 });
		expect(refused.kind === "permanent" && refused.reason).toMatch(
			/crm\.schemas\.contacts\.write/,
		);
		expect(
			await connector.deliver(crmSync(customer()), signal()),
		).toMatchObject({ kind: "ok" });
	});

	it("treats a reply it cannot read as permanent (a vendor change), not as success", async () => {
		vendor.fail(
			{ kind: "status", status: 200, body: { surprise: true } },
			{ when: (r) => r.path.endsWith("/batch/upsert") },
		);
		expect(
			await connector.deliver(crmSync(customer()), signal()),
		).toMatchObject({ kind: "permanent" });
	});
});
