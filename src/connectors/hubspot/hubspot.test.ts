import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	closedPort,
	connectorLogs,
	startHubSpotStandIn,
} from "../../../test/support/vendor-stand-ins.ts";
import type {
	Connector,
	CustomerSnapshot,
	DeliveryRequest,
} from "../../core/index.ts";
import { describeConnectorContract } from "../contract.ts";
import { createHubSpotConnector } from "./connector.ts";
import { PLUMB_PROPERTIES } from "./map.ts";

const TOKEN = "pat-na1-plumb-test-0000-1111-2222";

function customer(overrides: Partial<CustomerSnapshot> = {}): CustomerSnapshot {
	return {
		id: "cus-1",
		email: "ada@example.com",
		name: "Ada Lovelace",
		phone: "+44 20 7946 0000",
		app_user_id: "user_42",
		plan: "pro_monthly",
		plan_status: "active",
		tier: "pro",
		lifecycle_stage: "customer",
		lead_source: "newsletter",
		last_payment_status: "paid",
		last_payment_at: "2026-11-20T10:00:00.000Z",
		url: "http://127.0.0.1:8787/admin/customers/cus-1",
		...overrides,
	};
}

function crmSync(snapshot: CustomerSnapshot | undefined): DeliveryRequest {
	return {
		id: randomUUID(),
		destination: "hubspot",
		action: "crm_sync",
		idempotencyKey: `hubspot:crm_sync:${snapshot?.id}:${randomUUID()}`,
		attempt: 1,
		payload: {},
		customer: snapshot,
	};
}

const signal = () => AbortSignal.timeout(5_000);

describeConnectorContract("HubSpot", async () => {
	const vendor = await startHubSpotStandIn({ token: TOKEN });
	const logs = connectorLogs();
	const deps = { logger: logs.logger, fetch, now: Date.now };
	const hubspotError = (category: string, message: string) => ({
		status: "error",
		message,
		correlationId: "aeb5f871-7f07-4993-9211-075dc63e7cbf",
		category,
	});
	return {
		connector: createHubSpotConnector(
			{ accessToken: TOKEN, baseUrl: vendor.url },
			deps,
		),
		unreachable: createHubSpotConnector(
			{ accessToken: TOKEN, baseUrl: `http://127.0.0.1:${await closedPort()}` },
			deps,
		),
		request: () => crmSync(customer()),
		arrange(mode) {
			vendor.heal();
			const status = {
				server_error: 502,
				rate_limited: 429,
				invalid: 400,
				unauthorized: 401,
			} as const;
			if (mode === "hang" || mode === "reset") vendor.fail({ kind: mode });
			else if (mode !== "success")
				vendor.fail({
					kind: "status",
					status: status[mode],
					headers: mode === "rate_limited" ? { "retry-after": "7" } : {},
					body: hubspotError(
						mode === "invalid" ? "VALIDATION_ERROR" : "ERROR",
						mode === "invalid"
							? "Property values were not valid: phone"
							: "failed",
					),
				});
		},
		expectedRef: /^\d+$/,
		retryAfterSeconds: 7,
		validationMessage: /VALIDATION_ERROR: Property values were not valid/,
		authMessage:
			/HubSpot rejected the access token \(401\): check HUBSPOT_ACCESS_TOKEN/,
		secrets: [TOKEN],
		logs: logs.text,
		close: () => vendor.close(),
	};
});

describe("HubSpot contact sync (against a stateful stand-in)", () => {
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

	const upserts = () =>
		vendor.requests.filter((r) => r.path.endsWith("/batch/upsert"));

	it("upserts by e-mail: two syncs of one customer make one contact, with one id", async () => {
		const sync = crmSync(customer());
		const first = await connector.deliver(sync, signal());
		const second = await connector.deliver(
			crmSync(customer({ email: " ADA@Example.com ", plan: "team_yearly" })),
			signal(),
		);
		expect(first).toMatchObject({ kind: "ok", externalRef: "1001" });
		expect(second).toMatchObject({ kind: "ok", externalRef: "1001" });
		expect(vendor.contacts.size).toBe(1);
		expect(vendor.contacts.get("ada@example.com")?.properties).toMatchObject({
			email: "ada@example.com",
			firstname: "Ada",
			lastname: "Lovelace",
			phone: "+44 20 7946 0000",
			lifecyclestage: "customer",
			plumb_plan: "team_yearly",
			plumb_plan_status: "active",
			plumb_tier: "pro",
			plumb_app_user_id: "user_42",
			plumb_lead_source: "newsletter",
			plumb_last_payment_status: "paid",
			plumb_last_payment_at: "2026-11-20T10:00:00.000Z",
			plumb_customer_url: "http://127.0.0.1:8787/admin/customers/cus-1",
		});
		expect(upserts()[0]?.body).toEqual({
			inputs: [
				{
					id: "ada@example.com",
					idProperty: "email",
					// The delivery's id: its result is found again by it.
					objectWriteTraceId: sync.id,
					properties: expect.any(Object),
				},
			],
		});
	});

	it("never sends a blank over a known value: unknown fields are left out of the upsert", async () => {
		await connector.deliver(crmSync(customer()), signal());
		await connector.deliver(
			crmSync(
				customer({
					name: "  ",
					phone: undefined,
					plan: "",
					app_user_id: undefined,
					last_payment_at: "not a date",
					lifecycle_stage: undefined,
				}),
			),
			signal(),
		);
		const sent = vendor.writes[1]?.properties ?? {};
		expect(Object.keys(sent).sort()).toEqual(
			[
				"email",
				"plumb_customer_url",
				"plumb_last_payment_status",
				"plumb_lead_source",
				"plumb_plan_status",
				"plumb_tier",
			].sort(),
		);
		for (const write of vendor.writes)
			for (const value of Object.values(write.properties))
				expect(value.trim()).not.toBe("");
		expect(vendor.contacts.get("ada@example.com")?.properties).toMatchObject({
			firstname: "Ada",
			phone: "+44 20 7946 0000",
			plumb_plan: "pro_monthly",
			plumb_app_user_id: "user_42",
		});
	});

	it("creates Plumb's custom properties once per process, and takes 409 as 'already there'", async () => {
		await connector.deliver(crmSync(customer()), signal());
		await connector.deliver(crmSync(customer()), signal());
		const creates = () =>
			vendor.requests.filter(
				(r) => r.method === "POST" && r.path === "/crm/v3/properties/contacts",
			);
		expect(creates().map((r) => (r.body as { name: string }).name)).toEqual(
			PLUMB_PROPERTIES.map((p) => p.name),
		);
		expect(
			vendor.requests.filter(
				(r) => r.path === "/crm/v3/properties/contacts" && r.method === "GET",
			),
		).toHaveLength(1);
		// Another process whose listing missed them (a race): every create answers 409, and that is fine.
		vendor.state.hideProperties = true;
		const other = createHubSpotConnector(
			{ accessToken: TOKEN, baseUrl: vendor.url },
			{ logger: connectorLogs().logger, fetch, now: Date.now },
		);
		expect(await other.deliver(crmSync(customer()), signal())).toMatchObject({
			kind: "ok",
		});
		expect(creates()).toHaveLength(PLUMB_PROPERTIES.length * 2);
	});

	it("moves the lifecycle stage only forward, in the account's own order", async () => {
		const stageAfter = async (
			current: string | undefined,
			ours: CustomerSnapshot["lifecycle_stage"],
		) => {
			vendor.contacts.clear();
			if (current !== undefined)
				vendor.contacts.set("ada@example.com", {
					id: "77",
					properties: { email: "ada@example.com", lifecyclestage: current },
				});
			vendor.writes.length = 0;
			await connector.deliver(
				crmSync(customer({ lifecycle_stage: ours })),
				signal(),
			);
			return vendor.writes[0]?.properties.lifecyclestage;
		};
		expect(await stageAfter(undefined, "lead")).toBe("lead");
		expect(await stageAfter("lead", "customer")).toBe("customer");
		expect(await stageAfter("opportunity", "customer")).toBe("customer");
		expect(await stageAfter("evangelist", "customer")).toBeUndefined();
		expect(await stageAfter("customer", "lead")).toBeUndefined();
		expect(await stageAfter("customer", "customer")).toBeUndefined();
		expect(await stageAfter("98765432", "customer")).toBeUndefined();
		const stageReads = () =>
			vendor.requests.filter((r) => r.path.endsWith("/batch/read")).length;
		const reads = stageReads();
		await connector.deliver(
			crmSync(customer({ lifecycle_stage: undefined })),
			signal(),
		);
		expect(stageReads()).toBe(reads);
	});

	it("refuses, permanently and without calling HubSpot, a customer with no e-mail or no snapshot", async () => {
		const noEmail = await connector.deliver(
			crmSync(customer({ email: undefined })),
			signal(),
		);
		expect(noEmail).toMatchObject({
			kind: "permanent",
			reason: expect.stringMatching(/no e-mail address/),
		});
		const noSnapshot = await connector.deliver(crmSync(undefined), signal());
		expect(noSnapshot.kind).toBe("permanent");
		const wrongAction = await connector.deliver(
			{ ...crmSync(customer()), action: "notify" },
			signal(),
		);
		expect(wrongAction.kind).toBe("permanent");
		expect(vendor.requests).toHaveLength(0);
	});
});
