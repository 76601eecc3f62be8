/**
 * `npm run bench:idle`: what Plumb costs when nothing happens, and its memory under load. Four
 * processes start side by side and are then left alone for BENCH_IDLE_SECONDS (default 60):
 * `plumb start` on the embedded database, `plumb start` on PostgreSQL (and the server backends it
 * holds), a bare `node:http` server and a bare PGlite process (with Plumb's PGlite settings). Prints
 * CPU (% of one core) and RSS of each, and Plumb's ratios to the bare ones. Then each gets signed
 * Stripe webhooks at a steady rate, one process at a time (the bare ones store each body in one
 * INSERT or answer it), and its peak RSS is printed beside its bare twin's. Goals (issue 15): idle
 * ≤ 1 % of one core on both engines; RSS under load ≤ 250 MB on PostgreSQL. Writes
 * bench/results/idle-<time>.json.
 */
import { join } from "node:path";
import pg from "pg";
import { PGLITE_START_PARAMS } from "../src/store/index.ts";
import { runBench } from "./support/cleanup.ts";
import { count2xx, evenSchedule, openLoop } from "./support/load.ts";
import { preparePlumb, REPO_ROOT } from "./support/plumb.ts";
import { createBenchDatabase } from "./support/postgres.ts";
import {
	processCpuMs,
	type RunningServer,
	startServer,
} from "./support/process.ts";
import {
	Checks,
	heading,
	printMachine,
	summary,
	writeResults,
} from "./support/report.ts";
import { rssMiB, samplePeakRss } from "./support/rss.ts";
import { table } from "./support/stats.ts";
import { stripeDeliveries } from "./support/stripe-events.ts";

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
/** Start-up work (migrations, first passes, JIT) is over by then; only what follows is measured. */
const SETTLE_SECONDS = 5;
const GOAL_CORE_PERCENT = 1;
const GOAL_LOADED_RSS_MB = 250;
/** Steady webhook rates for the memory phase: PGlite's ~600 req/s capacity, and bench:ingest's 1,000/s. */
const LOAD = { seconds: 10, pgliteRate: 300, postgresRate: 1_000 };
const SECRET = "whsec_bench_idle_0123456789abcdef";
const lines: string[] = [];
const say = (line: string) => {
	lines.push(line);
	process.stdout.write(`${line}\n`);
};

/** The bare baselines, as tiny ES-module scripts: each answers /healthz once it is up. */
const BARE_HTTP = `
import { createServer } from "node:http";
createServer((req, res) => { req.resume(); req.on("end", () => res.end("ok")); })
	.listen(Number(process.env.PORT), process.env.HOST);
`;
const BARE_PGLITE = `
import { createServer } from "node:http";
import { PGlite } from "@electric-sql/pglite";
const db = await PGlite.create({ dataDir: process.env.PGLITE_DIR, startParams: JSON.parse(process.env.START_PARAMS) });
await db.exec("create table if not exists events (id text primary key, payload jsonb not null)");
createServer((req, res) => {
	const chunks = [];
	req.on("data", (chunk) => chunks.push(chunk));
	req.on("end", async () => {
		if (req.method !== "POST") return res.end("ok");
		const body = Buffer.concat(chunks).toString("utf8");
		await db.query("insert into events values ($1, $2) on conflict do nothing", [JSON.parse(body).id, body]);
		res.end("ok");
	});
}).listen(Number(process.env.PORT), process.env.HOST);
`;

/** The server backends connected to `database` (Plumb's pool and its LISTEN connection). */
async function backendPids(adminUrl: string, database: string) {
	const client = new pg.Client({ connectionString: adminUrl });
	await client.connect();
	try {
		const { rows } = await client.query<{ pid: number }>(
			"select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
			[database],
		);
		return rows.map((row) => row.pid);
	} finally {
		await client.end();
	}
}

interface Sample {
	name: string;
	cpuMs: number;
	rssMiB: number;
}

await runBench("bench:idle", IDLE_SECONDS + 300, async (cleanup) => {
	const machine = printMachine("bench:idle", say);
	const bench = await createBenchDatabase("plumb_bench_idle");
	cleanup.defer(`drop ${bench.name}`, () => bench.drop());
	const plumb = await preparePlumb();
	cleanup.defer("remove the private build", () => plumb.dispose());
	const dataDir = cleanup.tempDir("plumb-bench-idle-");
	const bareDir = cleanup.tempDir("plumb-bench-pglite-");
	say(`Plumb: ${plumb.mode}`);
	const startArgs = [...plumb.args.slice(0, -1), "start"];
	const common = {
		LOG_LEVEL: "warn",
		NODE_ENV: "production",
		STRIPE_WEBHOOK_SECRET: SECRET,
	};
	const started = async (server: Promise<RunningServer>) => {
		const running = await server;
		cleanup.defer(`stop ${running.name}`, () => running.stop());
		return running;
	};
	const [embedded, onPostgres, bareHttp, barePglite] = await Promise.all([
		started(
			startServer({
				name: "plumb start (PGlite)",
				command: plumb.command,
				args: startArgs,
				env: { ...common, PLUMB_DATA_DIR: dataDir },
				cwd: REPO_ROOT,
				healthPath: "/readyz",
				startTimeoutMs: 60_000,
			}),
		),
		started(
			startServer({
				name: "plumb start (PostgreSQL)",
				command: plumb.command,
				args: startArgs,
				env: { ...common, DATABASE_URL: bench.url },
				cwd: REPO_ROOT,
				healthPath: "/readyz",
				startTimeoutMs: 60_000,
			}),
		),
		started(
			startServer({
				name: "bare node:http",
				command: process.execPath,
				args: ["--input-type=module", "-e", BARE_HTTP],
				env: {},
			}),
		),
		started(
			startServer({
				name: "bare PGlite",
				command: process.execPath,
				args: ["--input-type=module", "-e", BARE_PGLITE],
				env: {
					PGLITE_DIR: bareDir,
					START_PARAMS: JSON.stringify(PGLITE_START_PARAMS),
				},
				cwd: REPO_ROOT,
				startTimeoutMs: 60_000,
			}),
		),
	]);
	const servers = [embedded, onPostgres, bareHttp, barePglite];
	say(
		`all four ready; settling ${SETTLE_SECONDS} s, then ${IDLE_SECONDS} s idle`,
	);
	await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));

	const adminUrl = bench.url;
	const pidsBefore = await backendPids(adminUrl, bench.name);
	const cpuBefore = servers.map((s) => s.cpuMs());
	const backendsBefore = new Map(pidsBefore.map((p) => [p, processCpuMs(p)]));
	await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
	const pidsAfter = await backendPids(adminUrl, bench.name);
	const samples: Sample[] = servers.map((s, i) => ({
		name: s.name,
		cpuMs: s.cpuMs() - (cpuBefore[i] ?? 0),
		rssMiB: rssMiB(s.pid),
	}));
	// A backend that came during the window counts from zero; one that left is not counted.
	const backendCpuMs = pidsAfter.reduce(
		(sum, p) =>
			sum + Math.max(0, processCpuMs(p) - (backendsBefore.get(p) ?? 0)),
		0,
	);
	samples.splice(2, 0, {
		name: `its PostgreSQL backends (${pidsAfter.length})`,
		cpuMs: backendCpuMs,
		rssMiB: Number.NaN,
	});

	const percent = (cpuMs: number) => (cpuMs / (IDLE_SECONDS * 1000)) * 100;
	const fmt = (n: number, digits = 2) =>
		Number.isNaN(n) ? "—" : n.toFixed(digits);
	say(heading(`idle for ${IDLE_SECONDS} s`));
	say(
		table(
			["process", "CPU % of a core", "CPU-s per minute", "RSS MiB"],
			samples.map((s) => [
				s.name,
				fmt(percent(s.cpuMs)),
				fmt((s.cpuMs / 1000) * (60 / IDLE_SECONDS)),
				fmt(s.rssMiB, 0),
			]),
		),
	);
	const [plumbLite, plumbPg, , http, lite] = samples as [
		Sample,
		Sample,
		Sample,
		Sample,
		Sample,
	];
	const ratio = (a: number, b: number) =>
		b > 0 ? `${(a / b).toFixed(1)}×` : `${fmt(a / 1000)} CPU-s vs 0`;
	say(heading("ratios"));
	say(
		table(
			["Plumb / bare", "CPU", "RSS"],
			[
				[
					"plumb start (PGlite) / bare PGlite",
					ratio(plumbLite.cpuMs, lite.cpuMs),
					ratio(plumbLite.rssMiB, lite.rssMiB),
				],
				[
					"plumb start (PostgreSQL) / bare node:http",
					ratio(plumbPg.cpuMs, http.cpuMs),
					ratio(plumbPg.rssMiB, http.rssMiB),
				],
			],
		),
	);

	const checks = new Checks();
	checks.check(
		"every process stayed up",
		samples.every((s, i) => i === 2 || !Number.isNaN(s.rssMiB)),
		samples.map((s) => `${s.name} ${fmt(s.rssMiB, 0)} MiB`).join(", "),
	);
	checks.check(
		"the Postgres Plumb holds backends (its pool and LISTEN)",
		pidsAfter.length > 0,
		`${pidsAfter.length} backends`,
	);
	const pgTotal = plumbPg.cpuMs + backendCpuMs;
	checks.goal(
		"plumb start (PGlite) idle CPU",
		percent(plumbLite.cpuMs) <= GOAL_CORE_PERCENT,
		`${fmt(percent(plumbLite.cpuMs))} % of a core (goal ≤ ${GOAL_CORE_PERCENT} %)`,
	);
	checks.goal(
		"plumb start (PostgreSQL) idle CPU, process + backends",
		percent(pgTotal) <= GOAL_CORE_PERCENT,
		`${fmt(percent(pgTotal))} % of a core (goal ≤ ${GOAL_CORE_PERCENT} %)`,
	);
	const loaded = await memoryUnderLoad(
		[
			[embedded, "/webhooks/stripe", LOAD.pgliteRate],
			[barePglite, "/", LOAD.pgliteRate],
			[onPostgres, "/webhooks/stripe", LOAD.postgresRate],
			[bareHttp, "/", LOAD.postgresRate],
		],
		checks,
	);
	const pgPeakMB = (loaded[2]?.peakMiB ?? Number.NaN) * 1.048576;
	checks.goal(
		"plumb start (PostgreSQL) RSS under load",
		pgPeakMB <= GOAL_LOADED_RSS_MB,
		`${fmt(pgPeakMB, 0)} MB at ${LOAD.postgresRate} req/s (goal ≤ ${GOAL_LOADED_RSS_MB} MB)`,
	);
	say(heading("summary"));
	say(summary(checks));
	const file = writeResults(join(REPO_ROOT, "bench/results"), "idle", {
		machine,
		idleSeconds: IDLE_SECONDS,
		samples,
		loaded,
		goals: checks.goals,
		correctness: checks.correctness,
	});
	say(`results: ${file}`);
	if (!checks.allCorrect) process.exitCode = 1;
});

/** Each server in turn gets `rate` signed webhooks a second for LOAD.seconds; its peak RSS is sampled. */
async function memoryUnderLoad(
	targets: [RunningServer, string, number][],
	checks: Checks,
) {
	const deliveries = stripeDeliveries({ secret: SECRET });
	const rows = [];
	for (const [server, path, rate] of targets) {
		const count = LOAD.seconds * rate;
		const tag = server.name.replace(/\W+/g, "_");
		const next = deliveries.feed(`evt_bench_idle_${tag}_`, count);
		const before = rssMiB(server.pid);
		const sampler = samplePeakRss(server.pid);
		const result = await openLoop({
			url: `${server.url}${path}`,
			startMs: evenSchedule(count, rate),
			next,
		});
		const peakMiB = sampler.stop();
		const ok = count2xx(result.statuses);
		checks.check(
			`${server.name}: every webhook under load answered 2xx`,
			ok === count,
			`${ok} of ${count}`,
		);
		rows.push({ name: server.name, rate, ok, count, before, peakMiB });
	}
	say(
		heading(
			`under load: ${LOAD.seconds} s of signed webhooks at a steady rate`,
		),
	);
	say(
		table(
			["process", "req/s", "2xx", "RSS before MiB", "peak RSS MiB"],
			rows.map((r) => [
				r.name,
				String(r.rate),
				`${r.ok}/${r.count}`,
				r.before.toFixed(0),
				r.peakMiB.toFixed(0),
			]),
		),
	);
	return rows;
}
