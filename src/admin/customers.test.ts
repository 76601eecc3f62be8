import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bearer, paidCustomer, settle } from "../../test/e2e/admin-fixtures.ts";
import { testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import { seedOne } from "../../test/support/delivery-worker.ts";

interface Page {
	items: Array<Record<string, unknown> & { id: string }>;
	next_cursor: string | null;
}

describe.each(backends)("admin customers API on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});
	const get = async (path: string) => {
		const res = await testApp(testDb.db).app.request(path, {
			headers: bearer,
		});
		return {
			status: res.status,
			body: (await res.json()) as Page & Record<string, unknown>,
		};
	};
	const ids = async (query: string) =>
		(await get(`/admin/api/customers${query}`)).body.items.map((i) => i.id);

	it("finds a customer by e-mail (any case, or its start), name, app user id, Stripe ids, event id and Plumb id", async () => {
		const ada = await paidCustomer(testDb, {
			n: 1,
			email: "Ada.Lovelace@Example.com",
			name: "Ada Lovelace",
		});
		const bob = await paidCustomer(testDb, {
			n: 2,
			email: "bob@example.com",
			name: "Bob_Smith",
		});
		for (const q of [
			"ada.lovelace@example.com",
			"  ADA.LOVELACE@EXAMPLE.COM ",
			"ada.love",
			"ada lov",
			"user-1",
			"cus_1",
			"pi_1",
			"cs_1",
			"evt_paid_1",
			ada.id,
			ada.id.toUpperCase(),
		])
			expect(await ids(`?q=${encodeURIComponent(q)}`), q).toEqual([ada.id]);
		expect(await ids("?q=bob_")).toEqual([bob.id]);
		// LIKE wildcards in the search are literal: "%" and "_" match only themselves.
		for (const q of ["%", "_", "a%", "nobody@example.com", "cus_999"])
			expect(await ids(`?q=${encodeURIComponent(q)}`), q).toEqual([]);
		expect(await ids("")).toEqual([bob.id, ada.id]);
		expect(await ids("?q=")).toEqual([bob.id, ada.id]);
	});

	it("finds any part of a name, an e-mail (its domain) or a Stripe customer id, from 3 characters on", async () => {
		const ada = await paidCustomer(testDb, {
			n: 1,
			email: "ada@lovelace.org",
			name: "Ada Lovelace",
		});
		const bob = await paidCustomer(testDb, {
			n: 2,
			email: "bob@example.com",
			name: "Bob Smith",
		});
		await testDb.db.query(
			"insert into plumb.customer_identities (kind, value, customer_id) values ('stripe_customer_id', 'cus_Q7xYz', $1)",
			[bob.id],
		);
		for (const [q, want] of [
			["Lovelace", [ada.id]],
			["LOVELACE", [ada.id]],
			["example.com", [bob.id]],
			["@example", [bob.id]],
			["7xy", [bob.id]],
			["smith", [bob.id]],
			// Below 3 characters only the start of a field matches: "ce" is inside "Lovelace", not at a start.
			["ce", []],
			["Bo", [bob.id]],
			["nowhere.org", []],
		] as const)
			expect(await ids(`?q=${encodeURIComponent(q)}`), q).toEqual(want);
		// Deliveries and events are searched through the same customers.
		const deliveries = await get(
			`/admin/api/deliveries?q=${encodeURIComponent("lovelace")}`,
		);
		expect(deliveries.body.items.map((d) => d.customer_id)).toEqual([ada.id]);
	});

	it("filters by plan status and tier, never lists a merged-away record, and refuses unknown parameters", async () => {
		const ada = await paidCustomer(testDb, { n: 1 });
		const [merged] = await testDb.db.query<{ id: string }>(
			"insert into plumb.customers (email, name, merged_into) values ('old@example.com', 'Ada 1', $1) returning id",
			[ada.id],
		);
		expect(await ids("?plan_status=active")).toEqual([ada.id]);
		expect(await ids("?plan_status=past_due")).toEqual([]);
		expect(await ids("?tier=free")).toEqual([ada.id]);
		expect(await ids("?q=ada%201")).toEqual([ada.id]);
		expect(await ids(`?q=${merged?.id}`)).toEqual([ada.id]);
		for (const query of [
			"?sort=name",
			"?plan_status=gold",
			"?tier=vip",
			"?limit=0",
			"?cursor=%27%3B",
			"?from=yesterday",
			"?from=2026-01-02&to=2026-01-01",
			`?q=${"x".repeat(400)}`,
		]) {
			const res = await get(`/admin/api/customers${query}`);
			expect(res.status, query).toBe(400);
			expect(res.body.error).toBe("validation_failed");
		}
		expect((await get(`/admin/api/customers/${ada.id}?x=1`)).status).toBe(400);
		expect((await get("/admin/api/customers/not-an-id")).status).toBe(404);
		expect(
			(await get("/admin/api/customers/01a20a00-0000-7000-8000-000000000000"))
				.status,
		).toBe(404);
	});

	it("answers business state, integration state per destination and one merged timeline", async () => {
		const ada = await paidCustomer(testDb, { n: 1 });
		await settle(testDb, ada.syncId, { status: "succeeded", ref: "1001" });
		const [ticket] = await testDb.db.query<{ id: string }>(
			`insert into plumb.tickets (customer_id, issue_key, category, priority, subject, opened_at, external_ref)
			 values ($1, $2, 'billing_issue', 'high', 'Charged twice', now(), '501') returning id`,
			[ada.id, `support:${ada.id}:billing_issue`],
		);
		const zendesk = await seedOne(testDb.db, {
			destination: "zendesk",
			action: "create_ticket",
			key: "zd-1",
			customerId: ada.id,
			payload: { ticket_id: ticket?.id },
		});
		await settle(testDb, zendesk, { status: "succeeded", ref: "501" });
		const comment = await seedOne(testDb.db, {
			destination: "zendesk",
			action: "add_comment",
			key: "zd-2",
			customerId: ada.id,
		});
		await settle(testDb, comment, {
			status: "dead",
			error: "Zendesk refused the request (422): RecordInvalid",
			httpStatus: 422,
		});
		const slack = await seedOne(testDb.db, {
			destination: "slack",
			action: "notify",
			key: "sl-1",
			customerId: ada.id,
		});
		await settle(testDb, slack, {
			status: "retry_pending",
			error: "Slack answered 503",
			inSeconds: 40,
		});
		await seedOne(testDb.db, {
			destination: "email",
			action: "notify",
			key: "em-1",
			customerId: ada.id,
		});
		await testDb.db.query(
			"update plumb.deliveries set status = 'skipped', last_error = 'E-mail is not configured: set SMTP_URL' where idempotency_key = 'em-1'",
		);
		await testDb.db.query(
			`insert into plumb.alerts (kind, dedupe_key, severity, title, body, customer_id, delivery_id)
			 values ('dead_delivery', 'dead:x', 'warning', 'Zendesk add_comment is dead', 'RecordInvalid', $1, $2)`,
			[ada.id, comment],
		);

		const { status, body } = await get(`/admin/api/customers/${ada.id}`);
		expect(status).toBe(200);
		const view = body as unknown as {
			customer: Record<string, unknown>;
			headline: string;
			business: {
				payments: Array<Record<string, unknown>>;
				tickets: Array<Record<string, unknown>>;
			};
			integrations: Array<Record<string, unknown> & { destination: string }>;
			timeline: Array<{ at: string; type: string; summary: string }>;
		};
		expect(view.customer).toMatchObject({
			id: ada.id,
			email: "ada1@example.com",
			plan_status: "active",
			last_payment_status: "paid",
		});
		expect(view.headline).toMatch(
			/^paid — CRM synced (just now|\d+ s ago) — ticket #501 open — Slack queued$/,
		);
		expect(view.business.payments).toEqual([
			expect.objectContaining({
				status: "succeeded",
				amount: "2000",
				refs: ["cs_1", "pi_1"],
			}),
		]);
		expect(view.business.tickets).toEqual([
			expect.objectContaining({ status: "open", external_ref: "501" }),
		]);
		const by = Object.fromEntries(
			view.integrations.map((i) => [i.destination, i]),
		);
		expect(by.hubspot).toMatchObject({
			state: "ok",
			last_success: { delivery_id: ada.syncId, external_ref: "1001" },
			counts: { succeeded: 1 },
		});
		expect(by.hubspot?.summary).toMatch(/^synced .* — contact 1001$/);
		expect(by.zendesk).toMatchObject({
			state: "dead",
			last_success: { external_ref: "501" },
			dead: [
				expect.objectContaining({
					id: comment,
					last_error: "Zendesk refused the request (422): RecordInvalid",
				}),
			],
		});
		expect(by.slack).toMatchObject({
			state: "retrying",
			tone: "wait",
			waiting: [
				expect.objectContaining({ id: slack, status: "retry_pending" }),
			],
		});
		expect(by.slack?.summary).toMatch(/queued — retrying in (39|40|41) s/);
		expect(by.email).toMatchObject({
			state: "skipped",
			tone: "muted",
			summary: "skipped: E-mail is not configured: set SMTP_URL",
		});
		const times = view.timeline.map((t) => t.at);
		expect(times).toEqual([...times].sort());
		expect(new Set(view.timeline.map((t) => t.type))).toEqual(
			new Set(["event", "delivery", "attempt", "alert"]),
		);
		expect(view.timeline.map((t) => t.summary)).toContain(
			"HubSpot CRM sync, attempt 1: succeeded — contact 1001",
		);
	});

	it("a CRM sync superseded by an older one that then went through reads synced, not skipped", async () => {
		const ada = await paidCustomer(testDb, { n: 7 });
		// The newer sync failed while the older one was being retried: it gave way to it (crm-sync-policy.ts).
		await testDb.db.query(
			"update plumb.deliveries set status = 'running' where id = $1",
			[ada.syncId],
		);
		const newer = await seedOne(testDb.db, {
			destination: "hubspot",
			action: "crm_sync",
			key: "hs-newer",
			customerId: ada.id,
		});
		await testDb.db.query(
			"update plumb.deliveries set status = 'skipped', last_error = 'superseded by ' || $2, updated_at = now() - interval '1 second' where id = $1",
			[newer, ada.syncId],
		);
		await settle(testDb, ada.syncId, { status: "succeeded", ref: "1007" });
		const { body } = await get(`/admin/api/customers/${ada.id}`);
		const hubspot = (
			body as unknown as {
				integrations: Array<{
					destination: string;
					state: string;
					summary: string;
				}>;
			}
		).integrations.find((i) => i.destination === "hubspot");
		expect(hubspot?.state).toBe("ok");
		expect(hubspot?.summary).toMatch(/^synced .* — contact 1007$/);
	});

	it("pages every customer exactly once while new ones are being inserted", async () => {
		await testDb.db.query(
			"insert into plumb.customers (email) select 'c' || n || '@example.com' from generate_series(1, 23) as n",
		);
		const seen: string[] = [];
		let cursor: string | null = null;
		let added = 0;
		do {
			const res: { body: Page } = await get(
				`/admin/api/customers?limit=5${cursor ? `&cursor=${cursor}` : ""}`,
			);
			seen.push(...res.body.items.map((i) => i.id));
			cursor = res.body.next_cursor;
			await testDb.db.query("insert into plumb.customers (email) values ($1)", [
				`new${added++}@example.com`,
			]);
		} while (cursor !== null);
		expect(seen).toHaveLength(23);
		expect(new Set(seen).size).toBe(23);
		expect(seen).toEqual([...seen].sort().reverse());
	});
});
