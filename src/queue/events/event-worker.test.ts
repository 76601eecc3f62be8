import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testConfig } from "../../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../../test/support/db.ts";
import { appEvent, count, one, T0 } from "../../../test/support/state.ts";
import { eventWorkerDeps } from "../../../test/support/worker.ts";
import type { EventData } from "../../core/index.ts";
import { type Db, insertEvent } from "../../store/index.ts";
import { EVENT_WORKER_DEFAULTS, processBatch } from "./event-worker.ts";

const config = testConfig();

/** Claims and applies one batch (up to 100 events); returns how many it claimed. */
const oneBatch = (db: Db): Promise<number> =>
	processBatch(eventWorkerDeps(db), EVENT_WORKER_DEFAULTS);

const ada = { email: "ada@example.com", stripe_customer_id: "cus_1" };
const paid = (refs: string[], amount?: number): EventData => ({
	customer: ada,
	payment: { refs, amount, currency: "usd" },
});

describe.each(backends)("event worker on %s", (backend: Backend) => {
	let t: TestDb;
	beforeEach(async () => {
		t = await freshDb(backend);
	});
	afterEach(async () => {
		await t.dispose();
	});

	it("two events about one customer in one batch make one customer with what both said", async () => {
		await appEvent(
			t.db,
			"signup",
			{ customer: { email: "ada@example.com", app_user_id: "user-1" } },
			10,
		);
		await appEvent(t.db, "payment_succeeded", paid(["in_1"], 2000), 20);
		expect(await oneBatch(t.db)).toBe(2);

		const customer = await one<Record<string, unknown>>(
			t.db,
			"select * from plumb.customers",
		);
		expect(customer).toMatchObject({
			email: "ada@example.com",
			app_user_id: "user-1",
			last_payment_status: "paid",
			merged_into: null,
		});
		const identities = await t.db.query<{ kind: string; customer_id: string }>(
			"select kind, customer_id from plumb.customer_identities order by kind",
		);
		expect(identities.map((i) => i.kind)).toEqual([
			"app_user_id",
			"email",
			"stripe_customer_id",
		]);
		expect(identities.every((i) => i.customer_id === customer.id)).toBe(true);
		expect(
			await count(
				t.db,
				"select * from plumb.events where status = 'processed'",
			),
		).toBe(2);
		// One CRM sync for the customer, however many of the batch's events changed what the CRM shows.
		expect(
			await count(
				t.db,
				"select * from plumb.deliveries where action = 'crm_sync'",
			),
		).toBe(1);
	});

	it("an event that proves two records are one person merges them in the same batch", async () => {
		await appEvent(t.db, "signup", { customer: { app_user_id: "user-1" } }, 10);
		await appEvent(
			t.db,
			"payment_succeeded",
			{
				customer: { stripe_customer_id: "cus_1" },
				payment: { refs: ["in_1"] },
			},
			20,
		);
		await appEvent(
			t.db,
			"lead_captured",
			{ customer: { app_user_id: "user-1", stripe_customer_id: "cus_1" } },
			30,
		);
		expect(await oneBatch(t.db)).toBe(3);

		const live = await one<{ id: string }>(
			t.db,
			"select id from plumb.customers where merged_into is null",
		);
		const merged = await one<{ id: string; merged_into: string }>(
			t.db,
			"select id, merged_into from plumb.customers where merged_into is not null",
		);
		expect(merged.merged_into).toBe(live.id);
		expect(
			await count(t.db, "select * from plumb.payments where customer_id = $1", [
				live.id,
			]),
		).toBe(1);
		const entry = await one<{ customer_id: string; details: unknown }>(
			t.db,
			"select customer_id, details from plumb.timeline where kind = 'customer_merged'",
		);
		expect(entry).toEqual({
			customer_id: live.id,
			details: {
				merged_id: merged.id,
				proven_by: ["stripe_customer_id", "app_user_id"],
			},
		});
	});

	it("folds several reports of one payment into one row and keeps the customer's totals right", async () => {
		await appEvent(t.db, "payment_succeeded", paid(["in_1"], 2000), 10);
		await appEvent(t.db, "payment_succeeded", paid(["pi_1", "in_1"]), 11);
		await appEvent(t.db, "payment_succeeded", paid(["cs_1", "pi_1"]), 12);
		await appEvent(t.db, "payment_failed", paid(["in_2"], 3000), 20);
		await appEvent(t.db, "payment_succeeded", paid(["in_2"], 3000), 21);
		await appEvent(
			t.db,
			"refund_issued",
			{
				customer: ada,
				refund: { refs: ["pi_1"], amount_refunded: 500, fully_refunded: false },
			},
			30,
		);
		expect(await oneBatch(t.db)).toBe(6);

		expect(await count(t.db, "select * from plumb.customers")).toBe(1);
		const payments = await t.db.query<{
			amount: string;
			amount_refunded: string;
			status: string;
			refs: string[];
		}>(
			`select p.amount::text, p.amount_refunded::text, p.status,
			        array_agg(r.ref order by r.ref) as refs
			   from plumb.payments p join plumb.payment_refs r on r.payment_id = p.id
			  group by p.id order by p.first_seen_at`,
		);
		expect(payments).toEqual([
			{
				amount: "2000",
				amount_refunded: "500",
				status: "refunded",
				refs: ["cs_1", "in_1", "pi_1"],
			},
			{
				amount: "3000",
				amount_refunded: "0",
				status: "succeeded",
				refs: ["in_2"],
			},
		]);
		const [totals] = await t.db.query<{ paid: string; refunded: string }>(
			"select sum(amount)::text as paid, sum(amount_refunded)::text as refunded from plumb.payments",
		);
		expect(totals).toEqual({ paid: "5000", refunded: "500" });
	});

	it("a support ticket, then comments on it: every comment targets the ticket, in the batch and after", async () => {
		await appEvent(
			t.db,
			"signup",
			{
				customer: {
					email: "ada@example.com",
					app_user_id: "user-1",
					name: "Ada",
				},
			},
			10,
		);
		const support = (message: string): EventData => ({
			customer: { email: "ada@example.com" },
			support: { message, category: "bug" },
		});
		await appEvent(t.db, "support_requested", support("Export is broken"), 20);
		await appEvent(t.db, "support_requested", support("Still broken"), 30);
		expect(await oneBatch(t.db)).toBe(3);
		await appEvent(t.db, "support_requested", support("Any news?"), 40);
		expect(await oneBatch(t.db)).toBe(1);

		const customer = await one<{ id: string }>(
			t.db,
			"select id from plumb.customers",
		);
		const ticket = await one<Record<string, unknown>>(
			t.db,
			"select id, issue_key, category, priority, subject, status from plumb.tickets",
		);
		const issueKey = `support:${customer.id}:bug`;
		expect(ticket).toMatchObject({
			issue_key: issueKey,
			category: "bug",
			priority: "normal",
			subject: "Export is broken",
			status: "open",
		});
		const deliveries = await t.db.query<{
			action: string;
			idempotency_key: string;
			payload: unknown;
		}>(
			"select action, idempotency_key, payload from plumb.deliveries where destination = 'zendesk' order by id",
		);
		expect(deliveries.map((d) => d.action)).toEqual([
			"create_ticket",
			"add_comment",
			"add_comment",
		]);
		expect(deliveries[0]).toEqual({
			action: "create_ticket",
			idempotency_key: `zendesk:create_ticket:${ticket.id}`,
			payload: {
				ticket_id: ticket.id,
				issue_key: issueKey,
				category: "bug",
				priority: "normal",
				subject: "Export is broken",
				message: "Export is broken",
				tags: ["plumb", "bug"],
				requester: { email: "ada@example.com", name: "Ada" },
				context: {
					customer_id: customer.id,
					app_user_id: "user-1",
					tier: "free",
					customer_url: `${config.publicUrl.replace(/\/$/, "")}/admin/customers/${customer.id}`,
				},
			},
		});
		expect(deliveries.slice(1).map((d) => d.payload)).toEqual([
			{ ticket_id: ticket.id, issue_key: issueKey, message: "Still broken" },
			{ ticket_id: ticket.id, issue_key: issueKey, message: "Any news?" },
		]);
	});

	it("a ticket another worker opened first for the same issue key gets a comment, not a second ticket", async () => {
		await appEvent(
			t.db,
			"signup",
			{ customer: { email: "ada@example.com" } },
			10,
		);
		await oneBatch(t.db);
		const customer = await one<{ id: string }>(
			t.db,
			"select id from plumb.customers",
		);
		// Not the customer's as far as this worker's load can tell, so only the unique index finds it.
		const [other] = await t.db.query<{ id: string }>(
			`insert into plumb.tickets (issue_key, category, priority, subject, opened_at)
			 values ($1, 'bug', 'normal', 'Opened elsewhere', now()) returning id`,
			[`support:${customer.id}:bug`],
		);
		await appEvent(
			t.db,
			"support_requested",
			{
				customer: { email: "ada@example.com" },
				support: { message: "It crashes", category: "bug" },
			},
			20,
		);
		expect(await oneBatch(t.db)).toBe(1);

		expect(await count(t.db, "select * from plumb.tickets")).toBe(1);
		const delivery = await one<{ action: string; payload: unknown }>(
			t.db,
			"select action, payload from plumb.deliveries where destination = 'zendesk'",
		);
		expect(delivery).toEqual({
			action: "add_comment",
			payload: {
				ticket_id: other?.id,
				issue_key: `support:${customer.id}:bug`,
				message: "It crashes",
			},
		});
	});

	it("a ticket opened for a record merged later in the same batch names the surviving customer", async () => {
		await appEvent(t.db, "signup", { customer: { app_user_id: "user-1" } }, 10);
		await oneBatch(t.db);
		const older = await one<{ id: string }>(
			t.db,
			"select id from plumb.customers",
		);
		await appEvent(
			t.db,
			"support_requested",
			{
				customer: { email: "ada@example.com" },
				support: { message: "Cannot log in", category: "account_access" },
			},
			20,
		);
		await appEvent(
			t.db,
			"signup",
			{ customer: { email: "ada@example.com", app_user_id: "user-1" } },
			30,
		);
		expect(await oneBatch(t.db)).toBe(2);

		const ticket = await one<{ customer_id: string }>(
			t.db,
			"select customer_id from plumb.tickets",
		);
		expect(ticket.customer_id).toBe(older.id);
		const create = await one<{
			customer_id: string;
			payload: { context: { customer_id: string } };
		}>(
			t.db,
			"select customer_id, payload from plumb.deliveries where action = 'create_ticket'",
		);
		expect(create.customer_id).toBe(older.id);
		expect(create.payload.context.customer_id).toBe(older.id);
	});

	it("a bad event in a batch fails alone; the others are applied and stored", async () => {
		await appEvent(
			t.db,
			"signup",
			{ customer: { email: "a@example.com" } },
			10,
		);
		const bad = await insertEvent(t.db, {
			type: "signup",
			source: "app",
			externalId: "bad-1",
			occurredAt: new Date((T0 + 11) * 1000),
			correlationId: "corr-bad",
			// An e-mail that is not a string: the stored data fails its schema.
			data: { customer: { email: 42 } } as unknown as EventData,
			payload: {},
		});
		await appEvent(
			t.db,
			"signup",
			{ customer: { email: "b@example.com" } },
			12,
		);
		expect(await oneBatch(t.db)).toBe(3);

		const events = await t.db.query<{
			id: string;
			status: string;
			attempts: number;
			last_error: string | null;
		}>("select id, status, attempts, last_error from plumb.events order by id");
		const failed = events.filter((e) => e.id === bad.id);
		expect(failed).toMatchObject([{ status: "pending", attempts: 1 }]);
		expect(failed[0]?.last_error).toMatch(/email|string/i);
		expect(events.filter((e) => e.id !== bad.id).map((e) => e.status)).toEqual([
			"processed",
			"processed",
		]);
		const emails = await t.db.query<{ email: string }>(
			"select email from plumb.customers order by email",
		);
		expect(emails.map((c) => c.email)).toEqual([
			"a@example.com",
			"b@example.com",
		]);
	});

	it("an older event arriving after a newer one does not overwrite the newer state", async () => {
		const subscription = (status: string): EventData => ({
			customer: ada,
			subscription: { id: "sub_1", status, plan: "pro" },
		});
		await appEvent(t.db, "subscription_updated", subscription("canceled"), 200);
		expect(await oneBatch(t.db)).toBe(1);
		const older = await appEvent(
			t.db,
			"subscription_updated",
			subscription("active"),
			100,
		);
		expect(await oneBatch(t.db)).toBe(1);

		const sub = await one<{ status: string; status_as_of: Date }>(
			t.db,
			"select status, status_as_of from plumb.subscriptions",
		);
		expect(sub.status).toBe("canceled");
		expect(sub.status_as_of.toISOString()).toBe(
			new Date((T0 + 200) * 1000).toISOString(),
		);
		const customer = await one<{ plan_status: string; tier: string }>(
			t.db,
			"select plan_status, tier from plumb.customers",
		);
		expect(customer).toEqual({ plan_status: "canceled", tier: "free" });
		const entry = await one<{ details: { stale: boolean } }>(
			t.db,
			"select details from plumb.timeline where event_id = $1",
			[older.id],
		);
		expect(entry.details.stale).toBe(true);
		expect(
			await count(
				t.db,
				"select * from plumb.events where status = 'processed'",
			),
		).toBe(2);
	});
});
