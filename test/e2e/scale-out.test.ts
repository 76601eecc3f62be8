/**
 * Issue 18 item 2: 2 `plumb serve` + 2 `plumb worker` processes on one Postgres database, with
 * duplicates sent to both serve processes and one worker SIGKILLed midway and started again, end
 * with every event stored once, every vendor effect once at the stand-ins, and the same business
 * state as 1 serve + 1 worker given the same input. ~300 events in the suite;
 * PLUMB_SCALE_EVENTS=2000 for the volume (bench:scale prints the figures).
 */
import { afterAll, describe, expect, it } from "vitest";
import { freshDb, type TestDb } from "../support/db.ts";
import {
	runScale,
	type ScaleResult,
	scaleInput,
} from "../support/scale-out.ts";

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
				for (const run of [scaled, single]) expectOnce(run, input);
				expect(scaled.restartMs).toBeDefined();
				expect(scaled.posts).toBeGreaterThan(input.events.length);
				expect(scaled.state).toEqual(single.state);
			},
			// Two deployments of ~300 events each on a shared 2-core machine.
			EVENTS > 300 ? 600_000 : 60_000,
		);

		function expectOnce(
			run: ScaleResult,
			input: ReturnType<typeof scaleInput>,
		) {
			expect(run.problems).toEqual([]);
			// Every event stored, none twice.
			expect(input.events.filter((e) => run.stored.get(e.id) !== 1)).toEqual(
				[],
			);
			expect(run.stored.size).toBe(input.events.length);
			// One HubSpot contact per customer, and each e-mail's upserts bounded: a worker killed
			// between a HubSpot call and its record sends that call again (at least once, and the
			// upsert by e-mail is idempotent), so the contact count is the exactly-once effect.
			expect([...run.contacts].sort()).toEqual([...input.emails].sort());
			// One Zendesk ticket per billing episode, never a second one for the same issue key.
			expect([...run.tickets.values()].filter((n) => n !== 1)).toEqual([]);
			expect(run.tickets.size).toBe(input.ticketEmails.length);
			expect([...run.ticketEmails].sort()).toEqual(
				[...input.ticketEmails].sort(),
			);
		}
	},
);
