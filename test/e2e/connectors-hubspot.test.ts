/**
 * The HubSpot connector against Prism mocks generated from HubSpot's own OpenAPI files
 * (../shared/contracts/hubspot/*.prism.json): every request Plumb sends must validate.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PLUMB_PROPERTIES } from "../../src/connectors/hubspot/map.ts";
import { createHubSpotConnector } from "../../src/connectors/index.ts";
import type {
	Connector,
	CustomerSnapshot,
	DeliveryRequest,
} from "../../src/core/index.ts";
import { type PrismServer, prismFetch, startPrism } from "../support/prism.ts";
import { connectorLogs } from "../support/vendor-stand-ins.ts";

const TOKEN = "pat-na1-prism-0000-1111-2222";

function crmSync(customer: CustomerSnapshot): DeliveryRequest {
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

const full: CustomerSnapshot = {
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
	url: "https://plumb.example/admin/customers/cus-1",
};

describe("HubSpot connector against Prism (HubSpot's CRM v3 specs)", () => {
	let contacts: PrismServer;
	let properties: PrismServer;
	let prism: ReturnType<typeof prismFetch>;
	let connector: Connector;
	const logs = connectorLogs();

	beforeAll(async () => {
		[contacts, properties] = await Promise.all([
			startPrism("hubspot/crm-contacts-v3.prism.json"),
			startPrism("hubspot/crm-properties-v3.prism.json"),
		]);
		prism = prismFetch([
			{ prefix: "/crm/v3/objects/contacts", server: contacts },
			{ prefix: "/crm/v3/properties", server: properties },
		]);
		connector = createHubSpotConnector(
			{ accessToken: TOKEN, baseUrl: "https://api.hubapi.com" },
			{ logger: logs.logger, fetch: prism.fetch, now: Date.now },
		);
	}, 90_000);
	afterAll(async () => {
		await Promise.all([contacts?.stop(), properties?.stop()]);
	});
	beforeEach(() => {
		prism.prefer(undefined);
	});

	it("bootstraps the custom properties and upserts a contact with requests that validate", async () => {
		const result = await connector.deliver(
			crmSync(full),
			AbortSignal.timeout(20_000),
		);
		expect(result).toMatchObject({
			kind: "ok",
			externalRef: expect.any(String),
		});
		expect(prism.exchanges.map((e) => `${e.method} ${e.path}`)).toEqual([
			"GET /crm/v3/properties/contacts",
			// One create per custom property of Plumb's (none exists yet at the mock).
			...Array(PLUMB_PROPERTIES.length).fill(
				"POST /crm/v3/properties/contacts",
			),
			"POST /crm/v3/objects/contacts/batch/read",
			"POST /crm/v3/objects/contacts/batch/upsert",
		]);
		expect(prism.exchanges.every((e) => e.status < 300)).toBe(true);
		expect(prism.requestViolations()).toEqual([]);
	});

	it("sends a minimal snapshot (no lifecycle, no name) that validates too", async () => {
		const before = prism.exchanges.length;
		const result = await connector.deliver(
			crmSync({
				id: "cus-2",
				email: "b@example.com",
				tier: "free",
				url: "https://plumb.example/admin/customers/cus-2",
			}),
			AbortSignal.timeout(20_000),
		);
		expect(result.kind).toBe("ok");
		expect(
			prism.exchanges.slice(before).map((e) => `${e.method} ${e.path}`),
		).toEqual(["POST /crm/v3/objects/contacts/batch/upsert"]);
		expect(prism.requestViolations()).toEqual([]);
	});

	it("sends a batch of syncs as one stage read and one upsert, both valid against the spec", async () => {
		const before = prism.exchanges.length;
		const batch = connector.batch;
		if (batch === undefined)
			throw new Error("the HubSpot connector takes batches");
		const people = ["a", "b", "c"].map((name, i) =>
			crmSync({
				...full,
				id: `cus-b${i}`,
				email: `${name}@example.com`,
				url: `https://plumb.example/admin/customers/cus-b${i}`,
			}),
		);
		const outcomes = await batch.deliverMany(
			people,
			AbortSignal.timeout(20_000),
		);
		expect(outcomes).toHaveLength(3);
		expect(
			prism.exchanges
				.slice(before)
				.map((e) => `${e.method} ${e.path} ${e.status}`),
		).toEqual([
			"POST /crm/v3/objects/contacts/batch/read 200",
			"POST /crm/v3/objects/contacts/batch/upsert 200",
		]);
		expect(prism.requestViolations()).toEqual([]);
	});

	it.each([
		["code=429", { kind: "retry", rateLimited: true, httpStatus: 429 }],
		["code=500", { kind: "retry", httpStatus: 500 }],
		["code=401", { kind: "permanent", httpStatus: 401 }],
		["code=400", { kind: "permanent", httpStatus: 400 }],
	])("classifies Prefer: %s", async (prefer, expected) => {
		prism.prefer(prefer);
		expect(
			await connector.deliver(crmSync(full), AbortSignal.timeout(20_000)),
		).toMatchObject(expected);
		expect(prism.requestViolations()).toEqual([]);
	});

	it("kept the token out of every outcome reason and log line", () => {
		expect(logs.text()).not.toContain(TOKEN);
	});
});
