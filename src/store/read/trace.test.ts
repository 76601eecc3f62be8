import { beforeEach, describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import { insertDeliveryRow, insertRow } from "../../../test/support/rows.ts";
import { appEvent, one } from "../../../test/support/state.ts";
import { drainEvents } from "../../../test/support/worker.ts";
import { userHash } from "../../observability/index.ts";
import { loadTrace } from "./trace.ts";

const ada = { email: "ada@example.com", stripe_customer_id: "cus_1" };

describe.each(backends)("plumb trace on %s", (backend: Backend) => {
	const t = useFreshDb(backend);
	let customerId: string;
	let syncId: string;
	let alertId: string;
	beforeEach(async () => {
		await appEvent(t.db, "signup", { customer: ada }, 10);
		const paid = await appEvent(
			t.db,
			"payment_succeeded",
			{ customer: ada, payment: { refs: ["in_1", "pi_1"], amount: 2000 } },
			20,
		);
		await drainEvents(t.db);
		customerId = (
			await one<{ id: string }>(t.db, "select id from plumb.customers")
		).id;
		syncId = (
			await one<{ id: string }>(
				t.db,
				"select id from plumb.deliveries where action = 'crm_sync'",
			)
		).id;
		await t.db.query(
			"update plumb.deliveries set status = 'dead', attempts = 1, external_ref = 'hs_9', last_error = 'HTTP 400' where id = $1",
			[syncId],
		);
		await insertRow(t.db, "plumb.delivery_attempts", {
			delivery_id: syncId,
			attempt: 1,
			started_at: new Date(),
			outcome: "permanent",
			http_status: 400,
			latency_ms: 12,
			error: "bad request",
		});
		alertId = (
			await insertRow(t.db, "plumb.alerts", {
				kind: "dead_delivery",
				dedupe_key: `dead:${syncId}`,
				severity: "warning",
				title: "A CRM sync died",
				body: "HubSpot said 400",
				delivery_id: syncId,
				event_id: paid.id,
				status: "resolved",
				// Later than the row's own created_at (the database's now()), whatever the clocks do.
				acknowledged_at: new Date(Date.now() + 60_000),
				acknowledged_by: "ops",
				resolved_at: new Date(Date.now() + 120_000),
			})
		).id;
		await insertDeliveryRow(t.db, `slack:notify:${alertId}:dead_delivery`, {
			destination: "slack",
			action: "notify",
		});
		await insertRow(t.db, "plumb.interventions", {
			kind: "replay",
			actor: "ops",
			reason: "HubSpot fixed",
			target: JSON.stringify({ delivery_id: syncId }),
			affected: 1,
		});
	});

	const kinds = (trace: Awaited<ReturnType<typeof loadTrace>>) =>
		trace.entries.map((e) => `${e.kind}:${e.status}`);

	it("by e-mail: the customer's whole story in time order, with the hashes to grep the logs for", async () => {
		const trace = await loadTrace(t.db, "  ada@example.com ");
		expect(trace.query).toBe("ada@example.com");
		expect(trace.matched).toEqual(["customer"]);
		expect(trace.truncated).toBe(false);
		expect(trace.customers).toMatchObject([
			{
				id: customerId,
				email: "ada@example.com",
				merged_into: null,
				identities: [
					{ kind: "email", value: "ada@example.com" },
					{ kind: "stripe_customer_id", value: "cus_1" },
				],
			},
		]);
		expect(trace.log_keys).toEqual([
			{
				customer_id: customerId,
				user_hash: userHash(customerId),
				identities: [
					{ kind: "email", user_hash: userHash("ada@example.com") },
					{ kind: "stripe_customer_id", user_hash: userHash("cus_1") },
				],
			},
		]);
		const times = trace.entries.map((e) => e.at.getTime());
		expect(times).toEqual([...times].sort((a, b) => a - b));
		const shown = kinds(trace);
		expect(shown.filter((k) => k.startsWith("event:"))).toEqual([
			"event:processed",
			"event:processed",
		]);
		expect(shown).toContain("delivery:dead");
		expect(shown).toContain("attempt:permanent");
		expect(shown).toContain("intervention:replay");
		expect(shown.filter((k) => k.startsWith("alert:"))).toEqual([
			"alert:open",
			"alert:acknowledged",
			"alert:resolved",
		]);
		expect(shown.filter((k) => k.startsWith("change:")).length).toBeGreaterThan(
			0,
		);
		const delivery = trace.entries.find((e) => e.id === syncId);
		expect(delivery).toMatchObject({
			summary: "hubspot crm_sync, 1 attempt",
			detail: "ref hs_9 · HTTP 400",
		});
		const attempt = trace.entries.find((e) => e.kind === "attempt");
		expect(attempt).toMatchObject({
			parent: syncId,
			summary: "hubspot crm_sync #1 · HTTP 400 · 12 ms",
			detail: "bad request",
		});
		// The alert's text is shown once, where it opened.
		expect(
			trace.entries.filter((e) => e.kind === "alert").map((e) => e.detail),
		).toEqual(["HubSpot said 400", null, null]);
	});

	it.each([
		["a payment reference", "pi_1", "payment reference"],
		["a Stripe customer id", "cus_1", "customer"],
		["the customer id", "CUSTOMER", "customer id"],
	])("by %s: the same customer", async (_name, q, how) => {
		const trace = await loadTrace(t.db, q === "CUSTOMER" ? customerId : q);
		expect(trace.matched).toEqual([how]);
		expect(trace.customers.map((c) => c.id)).toEqual([customerId]);
		expect(kinds(trace)).toContain("delivery:dead");
	});

	it("by delivery id: the delivery, its event and its attempts, not the customer's other events", async () => {
		const trace = await loadTrace(t.db, syncId.toUpperCase());
		expect(trace.matched).toEqual(["delivery id"]);
		const shown = kinds(trace);
		expect(shown).toContain("delivery:dead");
		expect(shown).toContain("attempt:permanent");
		expect(shown.filter((k) => k.startsWith("event:"))).toHaveLength(1);
		expect(trace.customers.map((c) => c.id)).toEqual([customerId]);
	});

	it("by alert id: the alert, the delivery it is about and its notification", async () => {
		const trace = await loadTrace(t.db, alertId);
		expect(trace.matched).toEqual(["alert id"]);
		const summaries = trace.entries
			.filter((e) => e.kind === "delivery")
			.map((e) => e.summary);
		expect(summaries.sort()).toEqual([
			"hubspot crm_sync, 1 attempt",
			"slack notify, 0 attempts",
		]);
	});

	it("by provider event id and by correlation id: the event", async () => {
		const [event] = await t.db.query<{
			id: string;
			external_id: string;
			correlation_id: string;
		}>(
			"select id, external_id, correlation_id from plumb.events where type = 'signup'",
		);
		const byExternal = await loadTrace(t.db, event?.external_id as string);
		expect(byExternal.matched).toEqual(["provider event id"]);
		expect(
			byExternal.entries.filter((e) => e.kind === "event").map((e) => e.id),
		).toEqual([event?.id]);
		const byCorrelation = await loadTrace(
			t.db,
			event?.correlation_id as string,
		);
		expect(byCorrelation.matched).toEqual(["correlation id"]);
		expect(byCorrelation.entries[0]).toMatchObject({
			kind: "event",
			id: event?.id,
			correlation_id: event?.correlation_id,
		});
	});

	it("an event not resolved yet is found by the e-mail it names; an unknown name finds nothing", async () => {
		const pending = await appEvent(
			t.db,
			"signup",
			{ customer: { email: "Grace@Example.com" } },
			30,
		);
		const trace = await loadTrace(t.db, "grace@example.com");
		expect(trace.matched).toEqual(["e-mail of an unresolved event"]);
		expect(trace.entries.map((e) => [e.kind, e.id, e.status])).toEqual([
			["event", pending.id, "pending"],
		]);
		expect(trace.customers).toEqual([]);

		expect(await loadTrace(t.db, "nobody@example.com")).toEqual({
			query: "nobody@example.com",
			matched: [],
			customers: [],
			entries: [],
			log_keys: [],
			truncated: false,
		});
	});

	it("a customer's trace includes the record merged into it", async () => {
		await appEvent(t.db, "signup", { customer: { app_user_id: "user-1" } }, 40);
		await drainEvents(t.db);
		await appEvent(
			t.db,
			"lead_captured",
			{ customer: { app_user_id: "user-1", email: "ada@example.com" } },
			50,
		);
		await drainEvents(t.db);
		const trace = await loadTrace(t.db, "user-1");
		expect(trace.customers.map((c) => c.merged_into === null)).toEqual([
			true,
			false,
		]);
		expect(
			trace.entries.filter((e) => e.kind === "event").map((e) => e.status),
		).toEqual(["processed", "processed", "processed", "processed"]);
	});
});
