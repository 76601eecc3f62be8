import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runPlumb, waitFor } from "../support/child.ts";
import { backends, freshDb, type TestDb } from "../support/db.ts";
import {
	deliveryStates,
	seedDeliveries,
	startTestWorker,
	statusCounts,
	type TestWorker,
} from "../support/delivery-worker.ts";
import {
	type StandIn,
	standInConnector,
	startStandIn,
} from "../support/stand-in.ts";

// `plumb replay` runs as its own process against DATABASE_URL: the real PostgreSQL only.
describe.runIf(backends.includes("pg"))(
	"plumb replay as child processes (PostgreSQL)",
	() => {
		let testDb: TestDb;
		let standIn: StandIn;
		let worker: TestWorker | undefined;
		beforeEach(async () => {
			testDb = await freshDb("pg");
			standIn = await startStandIn();
		});
		afterEach(async () => {
			await worker?.stop();
			worker = undefined;
			await standIn.close();
			await testDb.dispose();
		});
		const env = () => ({
			DATABASE_URL: testDb.url as string,
			LOG_LEVEL: "warn",
		});
		const killDead = (ids: readonly string[]) =>
			testDb.db.query(
				`update plumb.deliveries set status = 'dead', attempts = 3, permanent_failures = 3, dead_at = now(),
			   last_error = 'permanent failure: rejected: 422'
			 where id = any($1::uuid[])`,
				[ids],
			);

		it("two bulk replays of 1,000 dead deliveries at once requeue each once, and each effect applies once", async () => {
			const ids = await seedDeliveries(testDb.db, 1_000);
			await killDead(ids);
			const untouched = await seedDeliveries(testDb.db, 5, {
				destination: "hubspot",
				action: "upsert",
				prefix: "other",
			});
			await killDead(untouched);
			worker = await startTestWorker(testDb, {
				connectors: { zendesk: standInConnector("zendesk", standIn.url) },
			});

			const args = [
				"replay",
				"--dead",
				"--destination",
				"zendesk",
				"--reason",
				"Zendesk token fixed",
			];
			const [a, b] = [runPlumb(args, env()), runPlumb(args, env())];
			expect([await a.exited, await b.exited], a.output() + b.output()).toEqual(
				[0, 0],
			);
			await waitFor(
				async () => (await statusCounts(testDb.db)).succeeded === 1_000,
				30_000,
			);

			const runs = await testDb.db.query<{
				kind: string;
				actor: string;
				reason: string;
				target: unknown;
				affected: number;
			}>(
				"select kind, actor, reason, target, affected from plumb.interventions order by id",
			);
			// Usually two runs that split the work; a run that starts after the other has requeued
			// everything finds nothing dead and records nothing.
			expect(runs.length).toBeGreaterThanOrEqual(1);
			expect(runs.length).toBeLessThanOrEqual(2);
			expect(runs.reduce((sum, run) => sum + run.affected, 0)).toBe(1_000);
			for (const run of runs)
				expect(run).toMatchObject({
					kind: "replay_dead",
					actor: expect.stringMatching(/^cli:/),
					reason: "Zendesk token fixed",
					target: { status: "dead", destination: "zendesk" },
				});
			const states = await deliveryStates(testDb.db);
			const replayed = states.filter((d) => ids.includes(d.id));
			expect(
				replayed.every((d) => d.status === "succeeded" && d.attempts === 4),
			).toBe(true);
			expect(
				states
					.filter((d) => untouched.includes(d.id))
					.every((d) => d.status === "dead"),
			).toBe(true);
			expect(standIn.requests).toHaveLength(1_000);
			expect(standIn.ledger.size).toBe(1_000);
			expect(standIn.duplicates()).toEqual({
				keysPerDelivery: [],
				bodiesPerKey: [],
			});
			// The progress bar (a line per tenth when stderr is not a terminal) and the summary.
			expect(a.output() + b.output()).toMatch(/\[#+\.*\] \d+\/1000 looked at/);
			expect(a.output() + b.output()).toMatch(
				/Requeued \d+ dead deliveries\. Intervention /,
			);
		}, 60_000);

		it("plumb replay <id>: requeues a dead delivery, refuses a succeeded one without --force, 1 for unknown ids", async () => {
			const [dead, done] = await seedDeliveries(testDb.db, 2);
			await killDead([dead as string]);
			await testDb.db.query(
				"update plumb.deliveries set status = 'succeeded', attempts = 1 where id = $1",
				[done],
			);

			const ok = runPlumb(
				["replay", dead as string, "--reason", "retry after fix"],
				env(),
			);
			expect(await ok.exited, ok.output()).toBe(0);
			expect(ok.output()).toContain(`${dead}: Requeued (was dead)`);
			const refused = runPlumb(["replay", done as string], env());
			expect(await refused.exited).toBe(1);
			expect(refused.output()).toMatch(
				/already succeeded; replay it with force/,
			);
			const forced = runPlumb(["replay", done as string, "--force"], env());
			expect(await forced.exited).toBe(0);
			const unknown = runPlumb(
				["replay", "01a20a00-0000-7000-8000-00000000beef"],
				env(),
			);
			expect(await unknown.exited).toBe(1);
			const usage = runPlumb(
				["replay", "--dead", "--destination", "salesforce"],
				env(),
			);
			expect(await usage.exited).toBe(2);
			expect(usage.output()).toContain("--destination must be");
			const noop = runPlumb(
				["replay", "--dead", "--destination", "zendesk"],
				env(),
			);
			expect(await noop.exited).toBe(0);
			expect(noop.output()).toContain(
				"Nothing to replay: no dead deliveries for zendesk. Nothing was recorded.",
			);

			const rows = await testDb.db.query<{ reason: string }>(
				"select reason from plumb.interventions order by id",
			);
			expect(rows.map((r) => r.reason)).toEqual([
				"retry after fix",
				"replayed with plumb replay",
			]);
		}, 60_000);

		it("plumb worker delivers on its own and drains on SIGTERM", async () => {
			await seedDeliveries(testDb.db, 3, {
				destination: "slack",
				action: "notify",
			});
			const child = runPlumb(["worker"], { ...env(), LOG_LEVEL: "info" });
			await waitFor(
				async () => (await statusCounts(testDb.db)).skipped === 3,
				20_000,
			);
			child.process.kill("SIGTERM");
			expect(await child.exited).toBe(0);
			expect(child.output()).toContain('"msg":"delivery worker started"');
			expect((await deliveryStates(testDb.db))[0]?.last_error).toBe(
				"Slack is not configured: set SLACK_WEBHOOK_URL",
			);
		}, 30_000);
	},
);
