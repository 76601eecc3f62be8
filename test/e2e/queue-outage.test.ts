import { describe, expect, it } from "vitest";
import { waitFor } from "../support/child.ts";
import { type Backend, backends } from "../support/db.ts";
import {
	queueFixture,
	seedDeliveries,
	startTestWorker,
	statusCounts,
	testSettings,
} from "../support/delivery-worker.ts";
import { standInConnector } from "../support/stand-in.ts";

// The 60 s outage, compressed tenfold; on PGlite (the fast subset) shorter still.
const OUTAGE_MS = { pg: 6_000, pglite: 2_000 };
const RATE = 40;
const CONCURRENCY = 8;

describe.each(backends)("a destination outage on %s", (backend: Backend) => {
	const t = queueFixture(backend);

	it("loses nothing, never hammers the dead endpoint, and catches up soon after recovery", async () => {
		const outageMs = OUTAGE_MS[backend];
		let down: { from: number; to: number } | undefined;
		t.standIn.setFault((request) =>
			down && request.at >= down.from && request.at < down.to
				? { kind: "status", status: 503 }
				: { kind: "ok" },
		);
		const settings = testSettings({
			timeoutMs: 2_000,
			leaseMs: 10_000,
			backoffBaseMs: 50,
			backoffMaxMs: 1_000,
		});
		t.worker = await startTestWorker(t.testDb, {
			connectors: { zendesk: standInConnector("zendesk", t.standIn.url) },
			settings: {
				...settings,
				limits: {
					...settings.limits,
					zendesk: { concurrency: CONCURRENCY, ratePerSecond: RATE },
				},
			},
		});
		// Work keeps arriving before, during and after the outage.
		let seeded = 0;
		const feed = (async () => {
			for (let round = 0; round < 20; round++) {
				seeded += (
					await seedDeliveries(t.testDb.db, 10, { prefix: `r${round}` })
				).length;
				if (round === 3) down = { from: Date.now(), to: Date.now() + outageMs };
				await new Promise((resolve) =>
					setTimeout(resolve, (outageMs + 1_000) / 20),
				);
			}
		})();
		await feed;
		const outage = down as { from: number; to: number };
		await waitFor(
			async () => (await statusCounts(t.testDb.db)).succeeded === seeded,
			outageMs + 10_000,
		);
		const caughtUp = Date.now();

		expect(await statusCounts(t.testDb.db)).toEqual({ succeeded: 200 });
		expect(t.standIn.ledger.size).toBe(200);
		// No hot loop: during the outage, calls stay within the rate limit (plus one bucket of burst).
		const during = t.standIn.requests.filter(
			(r) => r.at >= outage.from && r.at < outage.to,
		);
		expect(during.length).toBeGreaterThan(0);
		// + CONCURRENCY, here and per second below: calls are timed where they arrive, so those in
		// flight when a window opens (paid for before it) can land inside it on a loaded machine.
		expect(during.length).toBeLessThanOrEqual(
			(RATE * outageMs) / 1000 + RATE + CONCURRENCY,
		);
		for (let t = outage.from; t + 1_000 <= outage.to; t += 250) {
			const inWindow = during.filter(
				(r) => r.at >= t && r.at < t + 1_000,
			).length;
			expect(inWindow, `1 s from +${t - outage.from} ms`).toBeLessThanOrEqual(
				2 * RATE + CONCURRENCY,
			);
		}
		// All delivered soon after recovery: the longest backoff, then the backlog at the rate limit.
		const backlog =
			seeded -
			[...t.standIn.ledger.values()].filter((e) => e.appliedAt < outage.to)
				.length;
		expect(caughtUp - outage.to).toBeLessThanOrEqual(
			settings.backoffMaxMs + (backlog / RATE) * 1_000 + 1_500,
		);
		// No overdue retries left behind.
		const overdue = await t.testDb.db.query(
			"select id from plumb.deliveries where status in ('pending', 'retry_pending', 'running')",
		);
		expect(overdue).toEqual([]);
	}, 40_000);
});
