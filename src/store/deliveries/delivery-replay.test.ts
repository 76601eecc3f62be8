import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import { ago, DAY, insertDeliveryRow } from "../../../test/support/rows.ts";
import {
	countReplayable,
	lockDeliveryForReplay,
	lockReplayPage,
	requeueDeliveries,
} from "./delivery-replay.ts";

interface Replayable {
	id: string;
	status: string;
	attempts: number;
	budget_attempts: number;
	permanent_failures: number;
	due: boolean;
	dead_at: Date | null;
	last_error: string | null;
}

describe.each(backends)("replaying deliveries on %s", (backend: Backend) => {
	const t = useFreshDb(backend);

	const dead = (key: string, destination = "zendesk") =>
		insertDeliveryRow(t.db, key, {
			destination,
			action: destination === "slack" ? "notify" : "create_ticket",
			status: "dead",
			attempts: 4,
			permanent_failures: 3,
			dead_at: new Date(),
			next_attempt_at: ago(DAY),
			budget_started_at: ago(DAY),
			last_error: "HTTP 422",
		}).then((row) => row.id);
	const states = async () =>
		Object.fromEntries(
			(
				await t.db.query<Replayable>(
					`select id, status, attempts, budget_attempts, permanent_failures, next_attempt_at <= now() as due,
					        dead_at, last_error
					 from plumb.deliveries`,
				)
			).map((row) => [row.id, row]),
		);

	it("pages through dead deliveries by id, per destination or all, and counts them", async () => {
		const ids = [
			await dead("z-1"),
			await dead("s-1", "slack"),
			await dead("z-2"),
			await dead("z-3"),
		];
		await insertDeliveryRow(t.db, "z-live");
		// Ids made in the same millisecond are not in insertion order (the random part decides), so
		// the expected pages follow the ids' own order, as the database sorts uuids.
		const all = [...ids].sort();
		const zendesk = [ids[0], ids[2], ids[3]].sort() as string[];
		const page = (destination: string | null, after: string | null) =>
			t.db.transaction((tx) =>
				lockReplayPage(tx, { status: "dead", destination, after, limit: 2 }),
			);

		const first = await page("zendesk", null);
		expect(first.map((r) => r.id)).toEqual(zendesk.slice(0, 2));
		expect(first[0]).toEqual({
			id: zendesk[0],
			status: "dead",
			action: "create_ticket",
			customer_id: null,
		});
		expect(
			(await page("zendesk", zendesk[1] as string)).map((r) => r.id),
		).toEqual([zendesk[2]]);
		expect(
			(await page("zendesk", zendesk[2] as string)).map((r) => r.id),
		).toEqual([]);
		expect((await page(null, all[0] as string)).map((r) => r.id)).toEqual(
			all.slice(1, 3),
		);
		expect(
			await countReplayable(t.db, { status: "dead", destination: null }),
		).toBe(4);
		expect(
			await countReplayable(t.db, { status: "dead", destination: "zendesk" }),
		).toBe(3);
		expect(
			await countReplayable(t.db, { status: "dead", destination: "email" }),
		).toBe(0);
	});

	it("requeues only rows still in the given statuses, with a fresh budget and the fencing token untouched", async () => {
		const replayed = await dead("z-1");
		const untouched = await dead("z-2");
		const done = (
			await insertDeliveryRow(t.db, "z-done", {
				status: "succeeded",
				attempts: 1,
			})
		).id;
		const before = await states();

		const changed = await t.db.transaction(async (tx) => {
			const target = await lockDeliveryForReplay(tx, replayed);
			expect(target).toMatchObject({ id: replayed, status: "dead" });
			return requeueDeliveries(tx, [replayed, done], ["dead"]);
		});

		expect(changed).toEqual([replayed]);
		const after = await states();
		expect(after[replayed]).toEqual({
			id: replayed,
			status: "pending",
			attempts: 4,
			budget_attempts: 4,
			permanent_failures: 0,
			due: true,
			dead_at: null,
			last_error: "HTTP 422",
		});
		expect(after[untouched]).toEqual(before[untouched]);
		expect(after[done]).toEqual(before[done]);
		expect(await requeueDeliveries(t.db, [], ["dead"])).toEqual([]);
		expect(
			await t.db.transaction((tx) =>
				lockDeliveryForReplay(tx, "00000000-0000-0000-0000-000000000000"),
			),
		).toBeUndefined();
	});
});
