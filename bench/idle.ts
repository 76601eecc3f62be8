/**
 * `npm run bench:idle`: what Plumb costs when nothing happens. Four processes start side by side and
 * are then left alone for BENCH_IDLE_SECONDS (default 60): `plumb start` on the embedded database,
 * `plumb start` on PostgreSQL (and the server backends it holds), a bare `node:http` server and a
 * bare PGlite process. Prints CPU (% of one core) and RSS of each, and Plumb's ratios to the bare
 * ones. Goal (issue 15): ≤ 1 % of one core on both engines. Writes bench/results/idle-<time>.json.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { runBench } from "./support/cleanup.ts";
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
import { table } from "./support/stats.ts";

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
/** Start-up work (migrations, first passes, JIT) is over by then; only what follows is measured. */
const SETTLE_SECONDS = 5;
const GOAL_CORE_PERCENT = 1;
const lines: string[] = [];
const say = (line: string) => {
	lines.push(line);
	process.stdout.write(`${line}\n`);
};

/** The bare baselines, as tiny ES-module scripts: each answers /healthz once it is up. */
const BARE_HTTP = `
import { createServer } from "node:http";
createServer((_req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);
`;
const BARE_PGLITE = `
import { createServer } from "node:http";
import { PGlite } from "@electric-sql/pglite";
const db = await PGlite.create({ dataDir: process.env.PGLITE_DIR });
await db.query("select 1");
createServer((_req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);
`;

/** Resident set size of `pid` in MiB (VmRSS), NaN when it is gone. */
function rssMiB(pid: number): number {
	try {
		const status = readFileSync(`/proc/${pid}/status`, "utf8");
		const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
		return kb / 1024;
	} catch {
		return Number.NaN;
	}
}

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
	const common = { LOG_LEVEL: "warn", NODE_ENV: "production" };
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
				env: { PGLITE_DIR: bareDir },
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
	say(heading("summary"));
	say(summary(checks));
	const file = writeResults(join(REPO_ROOT, "bench/results"), "idle", {
		machine,
		idleSeconds: IDLE_SECONDS,
		samples,
		goals: checks.goals,
		correctness: checks.correctness,
	});
	say(`results: ${file}`);
	if (!checks.allCorrect) process.exitCode = 1;
});
