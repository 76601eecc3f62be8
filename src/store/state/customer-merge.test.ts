import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../../test/support/db.ts";
import { insertEvent } from "../events/index.ts";
import { moveCustomerRows } from "./customer-merge.ts";

describe.each(backends)("customer merge on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	const one = async <T>(sql: string, values: unknown[] = []): Promise<T> => {
		const [row] = await testDb.db.query<T>(sql, values);
		if (!row) throw new Error(`no row: ${sql}`);
		return row;
	};
	const customer = async (email: string) => {
		const { id } = await one<{ id: string }>(
			"insert into plumb.customers (email) values ($1) returning id::text",
			[email],
		);
		await testDb.db.query(
			"insert into plumb.customer_identities (kind, value, customer_id) values ('email', $1, $2)",
			[email, id],
		);
		return id;
	};
	/** Every row that points at a customer, as "table:key → customer". */
	const owners = async () =>
		(
			await testDb.db.query<{ row: string; customer_id: string }>(
				`select 'identity:' || value as row, customer_id::text from plumb.customer_identities
				 union all select 'payment:' || currency, customer_id::text from plumb.payments
				 union all select 'subscription:' || provider_ref, customer_id::text from plumb.subscriptions
				 union all select 'failure:' || attempt_ref, customer_id::text from plumb.payment_failures
				 union all select 'timeline:' || summary, customer_id::text from plumb.timeline
				 union all select 'event:' || external_id, customer_id::text from plumb.events
				 union all select 'delivery:' || idempotency_key || ':' || status, customer_id::text from plumb.deliveries
				 order by 1, 2`,
			)
		).map((r) => `${r.row} → ${r.customer_id}`);

	it("moves every row of the merged record to the survivor, keeps one waiting CRM sync and leaves other customers alone", async () => {
		const survivor = await customer("s@example.com");
		const merged = await customer("m@example.com");
		const other = await customer("o@example.com");
		const event = await insertEvent(testDb.db, {
			type: "support_requested",
			source: "app",
			externalId: "req_m",
			occurredAt: new Date(),
			correlationId: "corr-m",
			data: {},
			payload: {},
		});
		await testDb.db.query(
			"update plumb.events set customer_id = $1 where id = $2",
			[merged, event.id],
		);
		for (const [owner, currency] of [
			[merged, "eur"],
			[other, "usd"],
		] as const)
			await testDb.db.query(
				`insert into plumb.payments (customer_id, status, currency, first_seen_at, status_as_of)
				 values ($1, 'succeeded', $2, now(), now())`,
				[owner, currency],
			);
		await testDb.db.query(
			"insert into plumb.subscriptions (provider_ref, customer_id) values ('sub_m', $1), ('sub_o', $2)",
			[merged, other],
		);
		// The same failed attempt known to both records, and one only the merged record knows.
		await testDb.db.query(
			`insert into plumb.payment_failures (customer_id, attempt_ref, occurred_at, event_id)
			 values ($1, 'in_both', now(), $4), ($2, 'in_both', now(), $4), ($2, 'in_merged', now(), $4),
			        ($3, 'in_other', now(), $4)`,
			[survivor, merged, other, event.id],
		);
		await testDb.db.query(
			`insert into plumb.timeline (customer_id, occurred_at, kind, summary)
			 values ($1, now(), 'note', 'merged'), ($2, now(), 'note', 'other')`,
			[merged, other],
		);
		await testDb.db.query(
			`insert into plumb.deliveries (destination, action, idempotency_key, customer_id)
			 values ('hubspot', 'crm_sync', 'crm-s', $1), ('hubspot', 'crm_sync', 'crm-m', $2),
			        ('zendesk', 'create_ticket', 'ticket-m', $2), ('hubspot', 'crm_sync', 'crm-o', $3)`,
			[survivor, merged, other],
		);
		const before = await owners();

		await testDb.db.transaction((tx) => moveCustomerRows(tx, survivor, merged));

		const after = await owners();
		expect(after.filter((row) => row.endsWith(merged))).toEqual([]);
		expect(after.filter((row) => row.endsWith(other))).toEqual(
			before.filter((row) => row.endsWith(other)),
		);
		expect(after.filter((row) => row.endsWith(survivor))).toEqual([
			`delivery:crm-m:skipped → ${survivor}`,
			`delivery:crm-s:pending → ${survivor}`,
			`delivery:ticket-m:pending → ${survivor}`,
			`event:req_m → ${survivor}`,
			`failure:in_both → ${survivor}`,
			`failure:in_merged → ${survivor}`,
			`identity:m@example.com → ${survivor}`,
			`identity:s@example.com → ${survivor}`,
			`payment:eur → ${survivor}`,
			`subscription:sub_m → ${survivor}`,
			`timeline:merged → ${survivor}`,
		]);
		const skipped = await one<{ last_error: string }>(
			"select last_error from plumb.deliveries where idempotency_key = 'crm-m'",
		);
		expect(skipped.last_error).toBe(
			`superseded: customer merged into ${survivor}`,
		);
		const records = await testDb.db.query<{
			id: string;
			merged_into: string | null;
		}>("select id::text, merged_into::text from plumb.customers");
		expect(
			Object.fromEntries(records.map((r) => [r.id, r.merged_into])),
		).toEqual({ [survivor]: null, [merged]: survivor, [other]: null });
	});

	it("keeps the merged record's waiting CRM sync when the survivor has none", async () => {
		const survivor = await customer("s@example.com");
		const merged = await customer("m@example.com");
		await testDb.db.query(
			"insert into plumb.deliveries (destination, action, idempotency_key, customer_id) values ('hubspot', 'crm_sync', 'crm-m', $1)",
			[merged],
		);
		await testDb.db.transaction((tx) => moveCustomerRows(tx, survivor, merged));
		expect(
			await testDb.db.query(
				"select idempotency_key, status, customer_id::text from plumb.deliveries",
			),
		).toEqual([
			{ idempotency_key: "crm-m", status: "pending", customer_id: survivor },
		]);
	});
});
