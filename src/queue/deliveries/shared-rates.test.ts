import { describe, expect, it } from "vitest";
import { waitFor } from "../../../test/support/child.ts";
import { backends } from "../../../test/support/db.ts";
import {
	queueFixture,
	seedDeliveries,
	startTestWorker,
	statusCounts,
	type TestWorker,
	testSettings,
} from "../../../test/support/delivery-worker.ts";
import { standInConnector } from "../../../test/support/stand-in.ts";
import { openPg } from "../../store/index.ts";

/** Slack at 10/s: a bucket of 10, then one every 100 ms, for the vendor account, not per process. */
const RATE = 10;
const DELIVERIES = 40;

// Postgres only: an embedded PGlite data dir admits one process, so there is no "across processes"
// there, and two workers sharing its one thread stall each other's sends past any window.
describe.runIf(backends.includes("pg"))(
	"a destination's rate across two delivery workers on Postgres",
	() => {
		const t = queueFixture("pg");

		/** Two workers, the second on its own pool as a second process would be, until `count` succeed. */
		async function runTwoWorkers(count: number): Promise<TestWorker[]> {
			const settings = testSettings({ timeoutMs: 10_000, leaseMs: 20_000 });
			const limited = {
				...settings,
				limits: {
					...settings.limits,
					slack: { concurrency: 4, ratePerSecond: RATE },
				},
			};
			const secondDb = openPg({
				connectionString: t.testDb.url ?? "",
				max: 4,
			});
			const workers: TestWorker[] = [];
			try {
				for (const db of [t.testDb.db, secondDb])
					workers.push(
						await startTestWorker(
							{ ...t.testDb, db },
							{
								connectors: { slack: standInConnector("slack", t.standIn.url) },
								settings: limited,
							},
						),
					);
				await waitFor(
					async () => (await statusCounts(t.testDb.db)).succeeded === count,
					20_000,
				);
			} finally {
				for (const worker of workers) await worker.stop();
				await secondDb.close();
			}
			return workers;
		}

		it("two workers on separate pools never go over the one rate together", async () => {
			await seedDeliveries(t.testDb.db, DELIVERIES, {
				destination: "slack",
				action: "notify",
			});
			const workers = await runTwoWorkers(DELIVERIES);

			const at = t.standIn.requests.map((r) => r.at).sort((a, b) => a - b);
			expect(at).toHaveLength(DELIVERIES);
			// The stand-in counts requests in every 1 s window: at most a bucket plus a second's refill
			// (10 + 10, and 2 for the milliseconds between a claim and its send), where two per-process
			// buckets let about 40 through.
			const busiest = Math.max(
				...at.map(
					(start) => at.filter((x) => x >= start && x < start + 1_000).length,
				),
			);
			expect(busiest).toBeLessThanOrEqual(2 * RATE + 2);
			// 10 at once, then 30 at 10/s: about 3 s (two per-process buckets: about 1 s).
			expect((at.at(-1) ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(2_700);
			// Both workers took part.
			const sent = await Promise.all(
				workers.map(async (worker) =>
					(await worker.metrics.deliveryAttempts.get()).values.reduce(
						(sum, v) => sum + v.value,
						0,
					),
				),
			);
			expect(sent.reduce((a, b) => a + b, 0)).toBe(DELIVERIES);
			expect(Math.min(...sent)).toBeGreaterThan(0);
		});

		it("a 429 one worker gets pauses the other too, for the Retry-After", async () => {
			// More than a bucket's worth, so work is still waiting when the 429 comes back.
			await seedDeliveries(t.testDb.db, 30, {
				destination: "slack",
				action: "notify",
			});
			let refused = false;
			t.standIn.setFault(() => {
				if (refused) return { kind: "ok" };
				refused = true;
				return { kind: "status", status: 429, retryAfter: "2" };
			});
			await runTwoWorkers(30);

			const at = t.standIn.requests.map((r) => r.at);
			const first = at[0] ?? 0;
			// The calls of the first burst start with the refused one; after them, neither worker
			// calls Slack again until the 2 s are over (the other worker alone would have gone on at 10/s).
			expect(at.filter((x) => x > first + 300 && x < first + 1_800)).toEqual(
				[],
			);
			expect(at.length).toBeGreaterThanOrEqual(31);
		});
	},
);
