/**
 * Issue 18 item 2: 2 `plumb serve` + 2 `plumb worker` processes on one Postgres database, with
 * duplicates sent to both serve processes and one worker SIGKILLed midway and started again, end
 * with every event stored once, every vendor effect once at the stand-ins, and the same business
 * state as 1 serve + 1 worker given the same input. ~300 events in the suite;
 * PLUMB_SCALE_EVENTS=2000 for the volume (`npm run bench:scale` prints the figures).
 */
import { afterAll, describe, expect, it } from "vitest";
import { freshDb, type TestDb } from "../support/db.ts";
import { scaleInput } from "../support/scale-input.ts";
import { runScale, scaleViolations } from "../support/scale-out.ts";

const EVENTS = Number(process.env.PLUMB_SCALE_EVENTS ?? 300);

describe.runIf(process.env.TEST_DATABASE_URL)(
	"scale-out: 2 serve + 2 worker processes on one Postgres",
	() => {
		const dbs: TestDb[] = [];
		afterAll(async () => {
			for (const db of dbs) await db.dispose();
		});
		const database = async () => {
			const db = await freshDb("pg");
			dbs.push(db);
			return db.url as string;
		};

		it(
			"stores every event once, makes every vendor effect once, and ends in the one-process state",
			async () => {
				const input = scaleInput(EVENTS, `t${Date.now().toString(36)}`);
				const scaled = await runScale({
					databaseUrl: await database(),
					serves: 2,
					workers: 2,
					input,
					duplicateEvery: 5,
					killWorker: true,
				});
				const single = await runScale({
					databaseUrl: await database(),
					serves: 1,
					workers: 1,
					input,
					duplicateEvery: 5,
					killWorker: false,
				});
				expect(scaleViolations(scaled, input)).toEqual([]);
				expect(scaleViolations(single, input)).toEqual([]);
				// The kill happened, and the duplicates went to both serve processes.
				expect(scaled.restartMs).toBeDefined();
				expect(scaled.posts).toBeGreaterThan(input.events.length);
				expect(scaled.state).toEqual(single.state);
				// Every change Plumb made reached the CRM: a sync never goes out before the change it stands for.
				expect(scaled.crmBehind).toEqual([]);
				expect(single.crmBehind).toEqual([]);
			},
			// Two deployments of ~300 events each on a shared 2-core machine.
			EVENTS > 300 ? 600_000 : 60_000,
		);
	},
);
