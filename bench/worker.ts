/**
 * `npm run bench:worker`: on one PostgreSQL database, (a) Plumb's delivery worker drains 20,000 no-op
 * deliveries beside (b) graphile-worker 0.17.3 draining 20,000 no-op jobs (its defaults, same
 * concurrency); (c) HTTP deliveries to a loopback stand-in: drain rate, and event received →
 * delivered at a steady rate; (d) RSS. Writes bench/results/worker-<time>.json.
 */
import { Logger as GraphileLogger, runMigrations } from "graphile-worker";
import { createMetrics } from "../src/observability/index.ts";
import { DELIVERIES_CHANNEL, startDeliveryWorker } from "../src/queue/index.ts";
import {
	type Db,
	listeningWakeup,
	migrate,
	openPg,
} from "../src/store/index.ts";
import { standInConnector, startStandIn } from "../test/support/stand-in.ts";
import { runBench } from "./support/cleanup.ts";
import { preparePlumb, REPO_ROOT } from "./support/plumb.ts";
import {
	DELIVERIES_LEFT,
	plumbDrain,
	quietLogger,
	unlimitedSettings,
} from "./support/plumb-queue.ts";
import { type BenchDatabase, createBenchDatabase } from "./support/postgres.ts";
import {
	drained,
	graphileDrain,
	workerProcessMemory,
} from "./support/queue-drain.ts";
import {
	Checks,
	heading,
	printMachine,
	summary,
	writeResults,
} from "./support/report.ts";
import {
	int,
	ms,
	percentile,
	rate,
	summarize,
	table,
} from "./support/stats.ts";

// Sized for about a minute on 2 cores; HARD_LIMIT_S stops a stuck run (clean-up still runs).
const S = {
	rounds: 2,
	jobs: 20_000,
	warmup: 2_000,
	concurrency: 10,
	httpDrain: 5_000,
	steadyRate: 200,
	steadySeconds: 10,
};
const HARD_LIMIT_S = 300;
const GOALS = { ratio: 2, p95Ms: 250 };
const checks = new Checks();
const say = (line = "") => process.stdout.write(`${line}\n`);
/** HTTP to a loopback stand-in: a drain, then a steady rate of new events each with one delivery. */
async function httpPhases(bench: BenchDatabase, db: Db) {
	const standIn = await startStandIn();
	const wakeup = await listeningWakeup(bench.url, [DELIVERIES_CHANNEL]);
	const worker = startDeliveryWorker({
		db,
		logger: quietLogger(),
		metrics: createMetrics(),
		wakeup,
		connectors: { zendesk: standInConnector("zendesk", standIn.url) },
		settings: unlimitedSettings(16),
		publicUrl: "http://127.0.0.1:8787",
	});
	try {
		say(
			`· HTTP drain: ${int(S.httpDrain)} deliveries to the stand-in, concurrency 16`,
		);
		const started = performance.now();
		await bench.query(
			`insert into plumb.deliveries (destination, action, idempotency_key, payload)
			 select 'zendesk', 'create_ticket', 'bench:http:' || n, '{}' from generate_series(1, $1::int) as n`,
			[S.httpDrain],
		);
		const ended = await drained(bench, DELIVERIES_LEFT);
		const drainRate = (S.httpDrain / (ended - started)) * 1000;
		checks.check(
			"HTTP drain: one applied effect per delivery",
			standIn.ledger.size === S.httpDrain,
			`${int(standIn.ledger.size)} effects`,
		);

		const total = S.steadyRate * S.steadySeconds;
		say(
			`· steady: ${S.steadyRate} events/s for ${S.steadySeconds} s, each with one delivery (${int(total)})`,
		);
		const t0 = performance.now();
		for (let i = 0; i < total; i++) {
			const due = t0 + (i * 1000) / S.steadyRate;
			const wait = due - performance.now();
			if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
			// The event and its delivery land together: the event worker's own time is not in this number.
			void db.query(
				`with e as (
				   insert into plumb.events (type, source, external_id, occurred_at, correlation_id, data, payload)
				   values ('support_requested', 'app', $1, now(), $1, '{}', '{}') returning id
				 )
				 insert into plumb.deliveries (destination, action, idempotency_key, event_id, payload)
				 select 'zendesk', 'create_ticket', 'bench:steady:' || $1, id, '{}' from e`,
				[`steady_${i}`],
			);
		}
		await drained(bench, DELIVERIES_LEFT);
		const rows = await bench.query<{ ms: number }>(
			`select extract(epoch from (d.succeeded_at - e.received_at)) * 1000 as ms
			 from plumb.deliveries d join plumb.events e on e.id = d.event_id
			 where starts_with(d.idempotency_key, 'bench:steady:') and d.status = 'succeeded'`,
		);
		checks.check(
			"steady: every delivery succeeded",
			rows.length === total,
			`${int(rows.length)} of ${int(total)}`,
		);
		const latencies = rows.map((r) => Number(r.ms));
		return {
			drainRate,
			latency: summarize(latencies),
			p95: percentile(Float64Array.from(latencies).sort(), 95),
		};
	} finally {
		await worker.stop();
		await wakeup.close();
		await standIn.close();
	}
}

await runBench("bench:worker", HARD_LIMIT_S, async (cleanup) => {
	const m = printMachine("bench:worker", say);
	const bench = await createBenchDatabase("plumb_bench_worker");
	cleanup.defer(`drop ${bench.name}`, () => bench.drop());
	const db = openPg({ connectionString: bench.url, max: 12 });
	cleanup.defer("close pool", () => db.close());
	await migrate(db);
	await runMigrations({
		connectionString: bench.url,
		logger: new GraphileLogger(() => () => {}),
	});
	say(
		`database ${bench.name} (dropped at the end); concurrency ${S.concurrency} for both`,
	);

	say(heading("(a) Plumb vs (b) graphile-worker 0.17.3: no-op drain"));
	say(`· warm-up: ${int(S.warmup)} each`);
	await graphileDrain(bench, S.warmup, S.concurrency);
	await plumbDrain(bench, db, "warmup", S.warmup, S.concurrency);
	// Alternated, twice each, so neither system always runs on a warmer (or more bloated) database.
	const graphileRuns: number[] = [];
	const plumbRuns: number[] = [];
	for (let round = 1; round <= S.rounds; round++) {
		say(
			`· round ${round}: graphile-worker ${int(S.jobs)} jobs, then plumb ${int(S.jobs)} deliveries`,
		);
		const baseline = await graphileDrain(bench, S.jobs, S.concurrency);
		checks.check(
			`graphile round ${round}: every job ran`,
			baseline.ran === S.jobs,
			`${int(baseline.ran)} of ${int(S.jobs)}`,
		);
		graphileRuns.push(baseline.rate);
		const plumb = await plumbDrain(
			bench,
			db,
			`measured${round}`,
			S.jobs,
			S.concurrency,
		);
		checks.check(
			`plumb round ${round}: every delivery succeeded`,
			plumb.succeeded === S.jobs,
			`${int(plumb.succeeded)} of ${int(S.jobs)}`,
		);
		plumbRuns.push(plumb.rate);
	}
	const mean = (values: number[]) =>
		values.reduce((a, b) => a + b, 0) / values.length;
	const graphile = mean(graphileRuns);
	const plumb = mean(plumbRuns);
	const ratio = plumb / graphile;
	say(
		table(
			["system", "items per run", "runs", "mean drain rate"],
			[
				[
					"graphile-worker 0.17.3 (defaults, concurrency 10)",
					int(S.jobs),
					graphileRuns.map(rate).join(", "),
					rate(graphile),
				],
				[
					"plumb delivery worker (concurrency 10)",
					int(S.jobs),
					plumbRuns.map(rate).join(", "),
					rate(plumb),
				],
			],
		),
	);
	checks.goal(
		`ratio plumb / graphile ≥ ${GOALS.ratio}×`,
		ratio >= GOALS.ratio,
		`${ratio.toFixed(2)}×`,
	);

	say(heading("(c) HTTP deliveries to a loopback stand-in"));
	const http = await httpPhases(bench, db);
	say(
		table(
			["measure", "value"],
			[
				["drain rate (HTTP, concurrency 16)", rate(http.drainRate)],
				["event received → delivered p50", ms(http.latency.p50)],
				["event received → delivered p95", ms(http.p95)],
				["event received → delivered p99", ms(http.latency.p99)],
				["event received → delivered max", ms(http.latency.max)],
			],
		),
	);
	checks.goal(
		`event → delivered p95 ≤ ${GOALS.p95Ms} ms`,
		http.p95 <= GOALS.p95Ms,
		ms(http.p95),
	);

	say(heading("(d) memory"));
	const rss = process.memoryUsage().rss / 2 ** 20;
	say(
		`RSS of this bench process after (a)–(c): ${rss.toFixed(0)} MiB (both workers, the stand-in, the pools)`,
	);
	const plumbBuild = await preparePlumb();
	cleanup.defer("remove the private build", () => plumbBuild.dispose());
	await bench.query(
		`insert into plumb.deliveries (destination, action, idempotency_key, payload)
		 select 'email', 'notify', 'bench:rss:' || n, '{}' from generate_series(1, 5000) as n`,
	);
	const memory = await workerProcessMemory(plumbBuild, bench.url, async () => {
		const [row] = await bench.query<{ left: boolean }>(DELIVERIES_LEFT);
		return !row?.left;
	});
	checks.check(
		"plumb worker process drained on SIGTERM",
		memory.exitCode === 0,
		`exit ${memory.exitCode}`,
	);
	say(
		`\`plumb worker\` process (${plumbBuild.mode}) after 5,000 deliveries (e-mail not configured, so each is claimed, skipped and settled): RSS ${memory.rssMiB.toFixed(0)} MiB, peak ${memory.peakMiB.toFixed(0)} MiB`,
	);

	say(heading("summary"));
	say(summary(checks));
	const path = writeResults(`${REPO_ROOT}/bench/results`, "worker", {
		machine: m,
		settings: S,
		graphile: { runs: graphileRuns, mean: graphile },
		plumb: { runs: plumbRuns, mean: plumb },
		ratio,
		http,
		rssMiB: rss,
		workerProcess: { mode: plumbBuild.mode, ...memory },
		checks,
	});
	say(`results: ${path}`);
});
