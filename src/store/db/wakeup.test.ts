import { describe, expect, it } from "vitest";
import { useFreshDb } from "../../../test/support/db.ts";
import { insertDeliveryRow } from "../../../test/support/rows.ts";
import { embeddedWakeup, pollingWakeup, wakeEventWorkers } from "./wakeup.ts";

/** How long `wait` took to return, in ms. */
async function timed(wait: Promise<void>): Promise<number> {
	const started = performance.now();
	await wait;
	return performance.now() - started;
}

describe("the embedded engine's wake-up (PGlite)", () => {
	const t = useFreshDb("pglite");

	it("a committed delivery row wakes a deliveries wait at once, through the table's own NOTIFY trigger", async () => {
		const wakeup = await embeddedWakeup(t.db, ["plumb_deliveries"]);
		try {
			const waiting = wakeup.wait("plumb_deliveries", 20_000);
			await t.db.transaction((tx) => insertDeliveryRow(tx, "k-1"));
			expect(await timed(waiting)).toBeLessThan(10_000);
		} finally {
			await wakeup.close();
		}
	});

	it("wakeEventWorkers wakes an events wait; a wait on another channel sleeps its full time", async () => {
		const wakeup = await embeddedWakeup(t.db, [
			"plumb_events",
			"plumb_deliveries",
		]);
		try {
			const events = wakeup.wait("plumb_events", 20_000);
			const deliveries = timed(wakeup.wait("plumb_deliveries", 300));
			wakeEventWorkers(t.db);
			expect(await timed(events)).toBeLessThan(10_000);
			expect(await deliveries).toBeGreaterThanOrEqual(290);
		} finally {
			await wakeup.close();
		}
	});

	it("close ends the waits in progress, and an abort ends one", async () => {
		const wakeup = await embeddedWakeup(t.db, ["plumb_events"]);
		const aborted = new AbortController();
		const one = wakeup.wait("plumb_events", 20_000, aborted.signal);
		aborted.abort();
		expect(await timed(one)).toBeLessThan(10_000);
		const other = wakeup.wait("plumb_events", 20_000);
		await wakeup.close();
		expect(await timed(other)).toBeLessThan(10_000);
	});

	it("a Db without listen (not PGlite) gets the polling wake-up", async () => {
		const { listen: _, ...withoutListen } = t.db;
		const wakeup = await embeddedWakeup(withoutListen, ["plumb_events"], 30);
		expect(await timed(wakeup.wait("plumb_events", 20_000))).toBeLessThan(
			10_000,
		);
		expect(await timed(pollingWakeup(30).wait("x", 20_000))).toBeLessThan(
			10_000,
		);
	});
});
