import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../../test/support/db.ts";
import {
	claimEventsById,
	claimPendingEvents,
	markEventsProcessed,
	recordEventFailure,
} from "./event-claims.ts";
import { insertEvent } from "./events.ts";

interface EventState {
	id: string;
	status: string;
	attempts: number;
	last_error: string | null;
	customer_id: string | null;
	processed: boolean;
}

describe.each(backends)("event claims on %s", (backend: Backend) => {
	let testDb: TestDb;
	let ids: string[];
	beforeEach(async () => {
		testDb = await freshDb(backend);
		ids = [];
		for (const n of [1, 2, 3]) {
			const stored = await insertEvent(testDb.db, {
				type: "support_requested",
				source: "app",
				externalId: `req_${n}`,
				occurredAt: new Date(),
				correlationId: `corr-${n}`,
				data: {},
				payload: {},
			});
			ids.push(stored.id);
		}
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	const states = () =>
		testDb.db.query<EventState>(
			`select id, status, attempts, last_error, customer_id::text, processed_at is not null as processed
			 from plumb.events order by id`,
		);
	const customer = async () => {
		const [row] = await testDb.db.query<{ id: string }>(
			"insert into plumb.customers default values returning id::text",
		);
		if (!row) throw new Error("no customer");
		return row.id;
	};

	it("claims pending events oldest first, up to the limit, and skips the ones that are not pending", async () => {
		await testDb.db.query(
			"update plumb.events set status = 'failed' where id = $1",
			[ids[0]],
		);
		const claimed = await testDb.db.transaction((tx) =>
			claimPendingEvents(tx, 1),
		);
		expect(claimed.map((e) => e.id)).toEqual([ids[1]]);
		expect(claimed[0]).toMatchObject({
			type: "support_requested",
			source: "app",
			external_id: "req_2",
			correlation_id: "corr-2",
			attempts: 0,
		});
		const all = await testDb.db.transaction((tx) => claimPendingEvents(tx, 10));
		expect(all.map((e) => e.id)).toEqual([ids[1], ids[2]]);
	});

	it("claims by id only the events still pending", async () => {
		await testDb.db.query(
			"update plumb.events set status = 'processed' where id = $1",
			[ids[1]],
		);
		const claimed = await testDb.db.transaction((tx) =>
			claimEventsById(tx, [ids[2] as string, ids[1] as string]),
		);
		expect(claimed.map((e) => e.id)).toEqual([ids[2]]);
	});

	it("marks the given events processed with their customer and leaves the others pending", async () => {
		const owner = await customer();
		const before = await states();
		await testDb.db.transaction((tx) =>
			markEventsProcessed(tx, [
				{ id: ids[0] as string, customerId: owner },
				{ id: ids[2] as string, customerId: null },
			]),
		);
		const after = await states();
		expect(after[0]).toMatchObject({
			status: "processed",
			attempts: 1,
			customer_id: owner,
			processed: true,
			last_error: null,
		});
		expect(after[2]).toMatchObject({
			status: "processed",
			attempts: 1,
			customer_id: null,
			processed: true,
		});
		expect(after[1]).toEqual(before[1]);
	});

	it("counts each failure and parks the event as failed at the last attempt; others are untouched", async () => {
		const before = await states();
		await recordEventFailure(testDb.db, ids[0] as string, "boom 1", 2);
		expect((await states())[0]).toMatchObject({
			status: "pending",
			attempts: 1,
			last_error: "boom 1",
		});
		await recordEventFailure(testDb.db, ids[0] as string, "x".repeat(600), 2);
		const after = await states();
		expect(after[0]).toMatchObject({ status: "failed", attempts: 2 });
		expect(after[0]?.last_error).toHaveLength(500);
		expect(after.slice(1)).toEqual(before.slice(1));
		const pending = await testDb.db.transaction((tx) =>
			claimPendingEvents(tx, 10),
		);
		expect(pending.map((e) => e.id)).toEqual([ids[1], ids[2]]);
	});
});
