/** `npm run bench:ingest`: a bare baseline vs Plumb's POST /webhooks/stripe on loopback Postgres, then PGlite; prints a report, writes JSON. */
import { join } from "node:path";
import { type Cleanup, runBench } from "./support/cleanup.ts";
import {
	evenSchedule,
	type LoadResult,
	maxThroughput,
	openLoop,
} from "./support/load.ts";
import {
	type PlumbCommand,
	preparePlumb,
	queryStoppedPglite,
	REPO_ROOT,
	startPlumb,
} from "./support/plumb.ts";
import {
	type BenchDatabase,
	createBenchDatabase,
	strayBenchDatabases,
} from "./support/postgres.ts";
import { type RunningServer, startServer } from "./support/process.ts";
import {
	Checks,
	describeLoad,
	heading,
	latencyTable,
	machine,
	measure,
	printMachine,
	summariseRun,
	summary,
	writeResults,
} from "./support/report.ts";
import { int, ms, rate } from "./support/stats.ts";
import { type Delivery, stripeDeliveries } from "./support/stripe-events.ts";

const SECRET = "whsec_bench_0123456789abcdef";
const ROUTE = "/webhooks/stripe";
// Sized so the whole run takes about 1.5 minutes on 2 cores; HARD_LIMIT_S stops a stuck one.
const SETTINGS = {
	warmupSeconds: 3,
	maxSeconds: 10,
	connections: 32,
	fixedRate: 1_000,
	fixedCount: 10_000,
	stormEvents: 500,
	stormCopies: 10,
	pgliteSeconds: 10,
	poolSize: 10,
};
const S = SETTINGS;
const HARD_LIMIT_S = 240;
const GOALS = { ratio: 0.8, p99AtRate: 25, stormP99: 50 };
const PLUMB_ENV = { STRIPE_WEBHOOK_SECRET: SECRET, LOG_LEVEL: "warn" };

const deliveries = stripeDeliveries({ secret: SECRET });
const checks = new Checks();
const say = (line = "") => process.stdout.write(`${line}\n`);
type CountRows = (idPrefix: string) => Promise<number>;
/** Reports the warm-up, then meters the server's CPU time over the measured run that follows. */
function afterWarmup(server: RunningServer) {
	let start = Number.NaN;
	return {
		onWarm: (warm: LoadResult, amount: number) => {
			say(`  warm-up ${rate(warm.throughput)}, then ${int(amount)} requests`);
			start = server.cpuMs();
		},
		cpuMs: () => server.cpuMs() - start,
	};
}

const countPg =
	(db: BenchDatabase, table: string): CountRows =>
	(prefix) =>
		db.countPrefix(table, "external_id", prefix);

/** Max throughput (closed loop), then a fixed rate (open loop), on one server; every id unique. */
async function postgresPhases(
	server: RunningServer,
	tag: string,
	rows: CountRows,
) {
	const [url, name] = [`${server.url}${ROUTE}`, server.name];
	say(`· ${name}: max throughput, ${S.connections} connections`);
	const meter = afterWarmup(server);
	const max = await maxThroughput({
		url,
		connections: S.connections,
		seconds: S.maxSeconds,
		warmupSeconds: S.warmupSeconds,
		feed: (phase, premade) =>
			deliveries.feed(`evt_bench_${tag}_${phase}_max_`, premade),
		onWarm: meter.onWarm,
	});
	const maxCpu = meter.cpuMs();
	const maxRows = await rows(`evt_bench_${tag}_measure_max_`);
	const maxM = measure(checks, `${name} max`, max, maxRows, maxCpu);
	say(`· ${name}: fixed ${int(S.fixedRate)} req/s`);
	const next = deliveries.feed(`evt_bench_${tag}_rate_`, S.fixedCount);
	const cpu0 = server.cpuMs();
	const startMs = evenSchedule(S.fixedCount, S.fixedRate);
	const fixed = await openLoop({ url, startMs, next });
	const fixedCpu = server.cpuMs() - cpu0;
	const fixedRows = await rows(`evt_bench_${tag}_rate_`);
	const fixedM = measure(checks, `${name} fixed`, fixed, fixedRows, fixedCpu);
	const { maxLagMs, unsent } = fixed;
	return { max: maxM, fixed: { ...fixedM, generatorLagMs: maxLagMs, unsent } };
}

/**
 * Each event `stormCopies` times, the copies of one event sent at the same instant (so they race
 * inside Plumb), `fixedRate` requests per second overall.
 */
async function duplicateStorm(server: RunningServer, rows: CountRows) {
	say(`· ${server.name}: duplicate storm`);
	const events = deliveries.batch("evt_bench_storm_", S.stormEvents);
	const total = S.stormEvents * S.stormCopies;
	let i = 0;
	const answers = { stored: 0, duplicate: 0, other: 0 };
	const cpu0 = server.cpuMs();
	const result = await openLoop({
		url: `${server.url}${ROUTE}`,
		startMs: evenSchedule(total, S.fixedRate, S.stormCopies),
		next: () => events[Math.floor(i++ / S.stormCopies)] as Delivery,
		onBody: (status, body) => {
			const answer: { duplicate?: unknown } =
				status === 200 ? JSON.parse(body) : {};
			if (answer.duplicate === false) answers.stored++;
			else if (answer.duplicate === true) answers.duplicate++;
			else answers.other++;
		},
	});
	const ok = result.statuses[200] ?? 0;
	checks.check(
		"storm: every response 200",
		ok === total && result.errors === 0,
		`${int(ok)} of ${int(total)} × 200, ${result.errors} errors`,
	);
	checks.check(
		"storm: one 'stored' answer per event, the rest 'duplicate'",
		answers.stored === S.stormEvents &&
			answers.duplicate === total - S.stormEvents,
		`${answers.stored} stored, ${answers.duplicate} duplicate, ${answers.other} other`,
	);
	const cpu = server.cpuMs() - cpu0;
	const stored = await rows("evt_bench_storm_");
	const extraRows = stored - S.stormEvents;
	return { ...summariseRun(result, stored, cpu), answers, extraRows };
}

/** Plumb on embedded PGlite, one request at a time. Rows are counted once it stops: PGlite is one process's. */
async function pglitePhase(plumb: PlumbCommand, cleanup: Cleanup) {
	const dataDir = cleanup.tempDir("plumb-bench-pglite-");
	const env = { ...PLUMB_ENV, PLUMB_DATA_DIR: dataDir };
	const server = await startPlumb(plumb, env, "plumb (PGlite)");
	cleanup.defer("stop plumb (PGlite)", () => server.stop());
	say(`· ${server.name}: sequential ingest, 1 connection`);
	const meter = afterWarmup(server);
	const result = await maxThroughput({
		url: `${server.url}${ROUTE}`,
		connections: 1,
		seconds: S.pgliteSeconds,
		warmupSeconds: 2,
		feed: (phase, premade) =>
			deliveries.feed(`evt_bench_pglite_${phase}_`, Math.min(premade, 4_000)),
		onWarm: meter.onWarm,
	});
	const cpu = meter.cpuMs();
	await server.stop();
	const [row] = await queryStoppedPglite<{ n: number }>(
		dataDir,
		"select count(*)::int as n from plumb.events where starts_with(external_id, $1)",
		["evt_bench_pglite_measure_"],
	);
	return measure(checks, "pglite", result, row?.n ?? -1, cpu);
}

async function main(cleanup: Cleanup): Promise<void> {
	const started = new Date();
	const atStart = printMachine("Plumb ingest benchmark", say);
	const stray = await strayBenchDatabases();
	// Another bench running right now, or one that was killed: either way, numbers may suffer.
	if (stray.length > 0) say(`note: other bench databases: ${stray.join(", ")}`);

	// Plumb runs as production does, compiled JS under plain node (see preparePlumb). The baseline
	// runs through tsx, whose loader costs only at import time: both steady states are plain JS.
	const profileDir = process.env.BENCH_CPU_PROF;
	const plumb = await preparePlumb(
		profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
	);
	cleanup.defer("remove the Plumb build", () => plumb.dispose());
	say(`Plumb: ${plumb.mode}`);
	const baseDb = await createBenchDatabase();
	cleanup.defer(`drop ${baseDb.name}`, () => baseDb.drop());
	const plumbDb = await createBenchDatabase();
	cleanup.defer(`drop ${plumbDb.name}`, () => plumbDb.drop());
	const [pg] = await baseDb.query<{ v: string }>(
		"select current_setting('server_version') as v",
	);
	say(`PostgreSQL ${pg?.v}, databases ${baseDb.name}, ${plumbDb.name}`);

	// One server at a time, each in its own process; the load generator runs in this one.
	const baseline = await startServer({
		name: "baseline",
		command: process.execPath,
		args: ["--import", "tsx", join(REPO_ROOT, "bench/baseline-ingest.ts")],
		env: { DATABASE_URL: baseDb.url, STRIPE_WEBHOOK_SECRET: SECRET },
	});
	cleanup.defer("stop baseline", () => baseline.stop());
	const baseRows = countPg(baseDb, "bench_baseline.events");
	const base = await postgresPhases(baseline, "base", baseRows);
	await baseline.stop();

	const env = { ...PLUMB_ENV, DATABASE_URL: plumbDb.url };
	const server = await startPlumb(plumb, env);
	cleanup.defer("stop plumb", () => server.stop());
	const plumbRows = countPg(plumbDb, "plumb.events");
	const ours = await postgresPhases(server, "plumb", plumbRows);
	const storm = await duplicateStorm(server, plumbRows);
	await server.stop();
	const pglite = await pglitePhase(plumb, cleanup);
	const atEnd = machine();

	const ratio = ours.max.throughput / base.max.throughput;
	const [p99, stormP99, g] = [ours.fixed.latency.p99, storm.latency.p99, GOALS];
	const lag = Math.max(base.fixed.generatorLagMs, ours.fixed.generatorLagMs);
	const { stored, duplicate, other } = storm.answers;
	say(heading(`1. Max throughput: closed loop, ${S.connections} connections`));
	say(latencyTable({ baseline: base.max, plumb: ours.max }));
	const vs = `${rate(ours.max.throughput)} vs ${rate(base.max.throughput)}`;
	say(
		checks.goal(
			`Plumb ≥ ${g.ratio}× baseline`,
			ratio >= g.ratio,
			`${ratio.toFixed(2)}× (${vs})`,
		),
	);
	say(heading(`2. Fixed ${int(S.fixedRate)} req/s: open loop, evenly spaced`));
	say(latencyTable({ baseline: base.fixed, plumb: ours.fixed }));
	say(
		checks.goal(
			`p99 ≤ ${g.p99AtRate} ms at ${int(S.fixedRate)} req/s`,
			p99 <= g.p99AtRate,
			ms(p99),
		),
	);
	say(`(the load generator ran at most ${ms(lag)} behind its schedule)`);
	for (const [name, m] of Object.entries({ baseline: base, plumb: ours })) {
		const { throughput, unsent } = m.fixed;
		if (throughput > S.fixedRate * 0.95) continue;
		say(
			`${name} fell behind (${rate(throughput)}, ${int(unsent)} never sent):`,
		);
		say("  its latencies include a growing queue");
	}
	say(heading(`3. Duplicate storm: each event ${S.stormCopies}× at once`));
	say(latencyTable({ plumb: storm }));
	say(`answers: ${stored} stored, ${duplicate} duplicate, ${other} other`);
	say(
		checks.goal(
			`storm p99 ≤ ${g.stormP99} ms`,
			stormP99 <= g.stormP99,
			ms(stormP99),
		),
	);
	say(
		checks.goal(
			"storm: zero extra rows",
			storm.extraRows === 0,
			`extra rows: ${storm.extraRows}`,
		),
	);
	say(heading("4. PGlite sequential ingest: 1 connection, no DATABASE_URL"));
	say(latencyTable({ "plumb (PGlite)": pglite }));
	say(heading("Summary"));
	say(summary(checks));
	say(`PGlite sequential ingest: ${rate(pglite.throughput)}`);
	say(`At the end (our own load included): ${describeLoad(atEnd, false)}`);

	const file = writeResults(join(REPO_ROOT, "bench/results"), "ingest", {
		benchmark: "ingest",
		startedAt: started.toISOString(),
		finishedAt: new Date().toISOString(),
		machine: { ...atStart, loadavgAtEnd: atEnd.loadavg, postgres: pg?.v },
		plumb: plumb.mode,
		settings: SETTINGS,
		maxThroughput: { baseline: base.max, plumb: ours.max, ratio },
		fixedRate: { baseline: base.fixed, plumb: ours.fixed },
		duplicateStorm: storm,
		pglite,
		goals: checks.goals,
		correctness: checks.correctness,
	});
	say(`Results: ${file}`);
	if (!checks.allCorrect) process.exitCode = 1;
}

await runBench("bench:ingest", HARD_LIMIT_S, main);
