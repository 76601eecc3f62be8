import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../support/child.ts";
import { backends, freshDb, type TestDb } from "../support/db.ts";
import {
	deliveryStates,
	seedDeliveries,
	startTestWorker,
	statusCounts,
	testSettings,
} from "../support/delivery-worker.ts";
import {
	type StandIn,
	standInConnector,
	startStandIn,
} from "../support/stand-in.ts";

const CHILD = new URL("../support/worker-child.ts", import.meta.url).pathname;

interface WorkerChild {
	process: ChildProcess;
	output: () => string;
	exited: Promise<NodeJS.Signals | number | null>;
}

function spawnWorker(env: Record<string, string>): WorkerChild {
	const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
		env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
		stdio: ["pipe", "pipe", "pipe"],
	});
	let output = "";
	child.stdout?.on("data", (chunk) => {
		output += String(chunk);
	});
	child.stderr?.on("data", (chunk) => {
		output += String(chunk);
	});
	return {
		process: child,
		output: () => output,
		exited: new Promise((resolve) =>
			child.on("exit", (code, signal) => resolve(signal ?? code)),
		),
	};
}

const pick = (min: number, max: number) =>
	min + Math.floor(Math.random() * (max - min + 1));

// Child processes need a connection string: these run on the real PostgreSQL only.
describe.runIf(backends.includes("pg"))(
	"crash safety with worker processes (PostgreSQL)",
	() => {
		let testDb: TestDb;
		let standIn: StandIn;
		beforeEach(async () => {
			testDb = await freshDb("pg");
			standIn = await startStandIn();
		});
		afterEach(async () => {
			await standIn.close();
			await testDb.dispose();
		});

		it("SIGKILL at named points and at random times over 2,000 deliveries: 0 lost, 0 duplicate effects", async () => {
			const ids = await seedDeliveries(testDb.db, 2_000);
			// Varied answer times, so a claimed batch settles piecemeal and a kill can land mid-batch.
			standIn.setFault(() => ({ kind: "ok", delayMs: pick(2, 25) }));
			const env = {
				DATABASE_URL: testDb.url as string,
				STAND_IN_URL: standIn.url,
				SETTINGS: JSON.stringify({
					concurrency: 4,
					leaseMs: 1_000,
					timeoutMs: 800,
				}),
			};
			const plan = ["claimed", "delivered", "settled", "random"] as const;
			const kills: Record<string, number> = {
				claimed: 0,
				delivered: 0,
				settled: 0,
				random: 0,
			};
			const spawnRound = (round: number) => {
				const at = plan[round % plan.length] as (typeof plan)[number];
				const kill: Record<string, string> =
					at === "random"
						? {}
						: {
								KILL_AT: at,
								KILL_ON: String(
									at === "claimed"
										? pick(1, 4)
										: at === "delivered"
											? pick(1, 60)
											: pick(1, 20),
								),
							};
				return {
					at,
					child: spawnWorker({ ...env, ...kill, WAIT_FOR_GO: "1" }),
				};
			};
			// Later processes load while the current one runs, so a round costs the run, not Node's start-up.
			const ahead = [0, 1, 2].map(spawnRound);
			for (let round = 0; round < 20; round++) {
				const { at, child } = ahead.shift() as ReturnType<typeof spawnRound>;
				ahead.push(spawnRound(round + 3));
				await waitFor(() => child.output().includes("worker loaded"), 30_000);
				child.process.stdin?.write("go\n");
				if (at === "random")
					setTimeout(() => child.process.kill("SIGKILL"), pick(50, 300));
				const timer = setTimeout(() => child.process.kill("SIGKILL"), 10_000);
				const ended = await child.exited;
				clearTimeout(timer);
				expect(ended, child.output().slice(-2_000)).toBe("SIGKILL");
				kills[at] = (kills[at] ?? 0) + 1;
			}
			for (const { child } of ahead) child.process.kill("SIGKILL");
			const beforeDrain = await statusCounts(testDb.db);
			expect(beforeDrain.succeeded ?? 0).toBeLessThan(2_000); // the kills happened while work remained

			const last = spawnWorker(env); // no kill plan, no WAIT_FOR_GO: it runs until SIGTERM
			await waitFor(
				async () => (await statusCounts(testDb.db)).succeeded === 2_000,
				60_000,
			);
			last.process.kill("SIGTERM");
			expect(await last.exited).toBe(0);

			expect(
				Object.values(kills).reduce((a, b) => a + b, 0),
			).toBeGreaterThanOrEqual(20);
			const states = await deliveryStates(testDb.db);
			expect(states.filter((d) => d.status !== "succeeded")).toEqual([]);
			// 0 lost: every delivery's effect is in the ledger, under its own key, with the reference it recorded.
			expect(standIn.ledger.size).toBe(2_000);
			const byId = new Map(states.map((d) => [d.id, d]));
			for (const [index, id] of ids.entries()) {
				const entry = standIn.ledger.get(
					`zendesk:create_ticket:seed:${index + 1}`,
				);
				expect(entry, id).toBeDefined();
				expect(byId.get(id)?.external_ref).toBe(entry?.ref);
			}
			// 0 duplicate effects: no delivery under two keys, no key with two payloads.
			expect(standIn.duplicates()).toEqual({
				keysPerDelivery: [],
				bodiesPerKey: [],
			});
			const resent = [...standIn.ledger.values()].filter(
				(entry) => entry.repeats > 0,
			).length;
			console.info(
				`crash test: ${JSON.stringify(kills)} kills, ${standIn.requests.length} requests for 2000 deliveries, ${resent} re-sends absorbed by idempotency keys`,
			);
		}, 180_000);

		it("a SIGSTOPped worker's lease expires, another worker finishes, and the resumed worker's settle is refused", async () => {
			const [id] = await seedDeliveries(testDb.db, 1, { prefix: "stop" });
			const frozen = spawnWorker({
				DATABASE_URL: testDb.url as string,
				STAND_IN_URL: standIn.url,
				SETTINGS: JSON.stringify({ leaseMs: 1_000, timeoutMs: 800 }),
			});
			standIn.setFault((request) => {
				// The effect is applied and answered, but the worker is frozen before it can read the answer.
				if (request.attempt === 1) frozen.process.kill("SIGSTOP");
				return { kind: "ok" };
			});
			await waitFor(() => standIn.requests.length === 1, 20_000).catch((e) => {
				console.info(frozen.output());
				throw e;
			});
			const other = await startTestWorker(testDb, {
				connectors: { zendesk: standInConnector("zendesk", standIn.url) },
				settings: testSettings({ leaseMs: 1_000, timeoutMs: 800 }),
			});
			await waitFor(
				async () => (await statusCounts(testDb.db)).succeeded === 1,
				10_000,
			);
			await other.stop();
			frozen.process.kill("SIGCONT");
			await waitFor(
				() => frozen.output().includes('"outcome":"fenced"'),
				10_000,
			);
			frozen.process.kill("SIGTERM");
			expect(await frozen.exited).toBe(0);

			const [row] = await deliveryStates(testDb.db);
			expect(row).toMatchObject({ id, status: "succeeded", attempts: 2 });
			expect(standIn.ledger.get("zendesk:create_ticket:stop:1")).toMatchObject({
				repeats: 1,
			});
			const attempts = await testDb.db.query<{
				attempt: number;
				outcome: string;
			}>(
				"select attempt, outcome from plumb.delivery_attempts order by attempt",
			);
			expect(attempts).toEqual([
				{ attempt: 1, outcome: "fenced" },
				{ attempt: 2, outcome: "succeeded" },
			]);
			expect(frozen.output()).toContain("settle refused");
		}, 60_000);
	},
);
