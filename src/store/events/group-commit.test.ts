import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import type { NewEvent } from "../../core/index.ts";
import type { Db } from "../db/index.ts";
import { JsonText } from "../db/index.ts";
import { insertEvent, insertEvents } from "./events.ts";
import { storeEvent } from "./group-commit.ts";

const event = (externalId: string, payload: unknown = {}): NewEvent => ({
	type: "payment_succeeded",
	source: "stripe",
	externalId,
	occurredAt: new Date("2026-01-02T03:04:05Z"),
	correlationId: `corr-${externalId}`,
	data: {},
	payload,
});

/** The same database, counting the inserts into the events table that reach it. */
function counting(db: Db, fail?: () => unknown) {
	const counted = {
		inserts: 0,
		db: {
			...db,
			kind: db.kind,
			query: async <Row>(text: string, values?: readonly unknown[]) => {
				if (text.includes("insert into plumb.events")) {
					counted.inserts++;
					const failure = fail?.();
					if (failure) throw failure;
				}
				return db.query<Row>(text, values);
			},
		} as Db,
	};
	return counted;
}

describe.each(backends)("storing events on %s", (backend: Backend) => {
	const testDb = useFreshDb(backend);
	const rows = async () =>
		(
			await testDb.db.query<{ external_id: string }>(
				"select external_id from plumb.events order by id",
			)
		).map((row) => row.external_id);

	it("insertEvents stores each key once and answers in the order asked, duplicates naming the original", async () => {
		const earlier = await insertEvent(testDb.db, event("evt_c"));
		const answers = await insertEvents(testDb.db, [
			event("evt_a"),
			event("evt_b"),
			event("evt_a"),
			event("evt_c"),
		]);
		expect(answers.map((a) => a.duplicate)).toEqual([false, false, true, true]);
		expect(answers[2]?.id).toBe(answers[0]?.id);
		expect(answers[3]?.id).toBe(earlier.id);
		expect(new Set(answers.map((a) => a.id)).size).toBe(3);
		expect(await rows()).toEqual(["evt_c", "evt_a", "evt_b"]);
	});

	it("storeEvent writes concurrent events in a few statements, each answered with its own row", async () => {
		const counted = counting(testDb.db);
		const ids = Array.from({ length: 40 }, (_, n) => `evt_${n}`);
		const answers = await Promise.all(
			ids.map((id) => storeEvent(counted.db, event(id))),
		);
		// Two go out alone at once; the 38 that arrive while those are in flight share the next one.
		expect(counted.inserts).toBeLessThanOrEqual(4);
		expect(answers.every((a) => !a.duplicate)).toBe(true);
		expect(new Set(answers.map((a) => a.id)).size).toBe(40);
		expect((await rows()).sort()).toEqual([...ids].sort());
		const again = await Promise.all(
			ids.slice(0, 5).map((id) => storeEvent(counted.db, event(id))),
		);
		expect(again).toEqual(
			answers.slice(0, 5).map((a) => ({ ...a, duplicate: true })),
		);
	});

	it("one event the database refuses fails alone; its neighbours in the statement are stored", async () => {
		const counted = counting(testDb.db);
		const answers = await Promise.allSettled([
			storeEvent(counted.db, event("evt_1")),
			storeEvent(counted.db, event("evt_2")),
			storeEvent(counted.db, event("evt_3")),
			storeEvent(counted.db, event("evt_bad", new JsonText("{not json"))),
			storeEvent(counted.db, event("evt_4")),
		]);
		expect(answers.map((a) => a.status)).toEqual([
			"fulfilled",
			"fulfilled",
			"fulfilled",
			"rejected",
			"fulfilled",
		]);
		expect((await rows()).sort()).toEqual(["evt_1", "evt_2", "evt_3", "evt_4"]);
	});

	it("a lost database fails every request of the statement with its error, and nothing is retried", async () => {
		const lost = new Error("Connection terminated unexpectedly");
		const counted = counting(testDb.db, () => lost);
		const answers = await Promise.allSettled(
			["evt_1", "evt_2", "evt_3", "evt_4"].map((id) =>
				storeEvent(counted.db, event(id)),
			),
		);
		expect(
			answers.map((a) => (a.status === "rejected" ? a.reason : a)),
		).toEqual([lost, lost, lost, lost]);
		// Alone, alone, then the other two together: three statements, none retried one by one.
		expect(counted.inserts).toBe(3);
		expect(await rows()).toEqual([]);
	});
});
