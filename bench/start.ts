/**
 * `npm run bench:start`: how long `npm start` takes to be ready, as a user runs it in this checkout
 * (npm, the stale-build check, Node, the database, migrations), from spawn to the first 200 from
 * /readyz. On the embedded database: a first start (a new data directory) and BENCH_START_RUNS later
 * starts of the same one; on PostgreSQL: a first start (a new database) and later starts. Beside them
 * in the same run, the floors: a bare `node:http` server and a bare PGlite opening the same data
 * directory. Goals (issue 15): first start ≤ 3 s, later starts ≤ 2 s (median), and the log's first
 * line after ready names the dashboard URL. Writes bench/results/start-<time>.json.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runBench } from "./support/cleanup.ts";
import { REPO_ROOT } from "./support/plumb.ts";
import { createBenchDatabase } from "./support/postgres.ts";
import { startServer } from "./support/process.ts";
import {
	Checks,
	heading,
	printMachine,
	summary,
	writeResults,
} from "./support/report.ts";
import { percentile, table } from "./support/stats.ts";

const RUNS = Number(process.env.BENCH_START_RUNS ?? 5);
const GOALS = { firstMs: 3_000, laterMs: 2_000 };
const PLUMB_ENV = {
	LOG_LEVEL: "info",
	ADMIN_TOKEN: "bench-start-admin-token-0123456789",
	STRIPE_WEBHOOK_SECRET: "whsec_bench_start_0123456789",
};
const BARE_HTTP = `
import { createServer } from "node:http";
createServer((_req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);
`;
const BARE_PGLITE = `
import { createServer } from "node:http";
import { PGlite } from "@electric-sql/pglite";
const db = await PGlite.create({ dataDir: process.env.PGLITE_DIR, startParams: JSON.parse(process.env.START_PARAMS) });
await db.query("select 1");
createServer((_req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);
`;

const lines: string[] = [];
const say = (line: string) => {
	lines.push(line);
	process.stdout.write(`${line}\n`);
};

/** Linux: every process below `pid` (npm → sh → node). */
function descendants(pid: number): number[] {
	const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
		readFileSync(`/proc/${pid}/task/${task}/children`, "utf8")
			.split(" ")
			.filter(Boolean)
			.map(Number),
	);
	return children.flatMap((child) => [child, ...descendants(child)]);
}

interface Start {
	ms: number;
	/** The first log line printed after the ready line: it should name the dashboard. */
	readyLine: string | undefined;
}

/** Spawn → first 2xx on `healthPath`, then a clean stop (SIGTERM; npm passes it on). */
async function timeStart(
	name: string,
	command: string,
	args: string[],
	env: Record<string, string>,
	healthPath = "/healthz",
): Promise<Start> {
	const began = performance.now();
	const server = await startServer({
		name,
		command,
		args,
		env,
		cwd: REPO_ROOT,
		healthPath,
		startTimeoutMs: 60_000,
		pollMs: 10,
		group: true,
	});
	const ms = performance.now() - began;
	const readyLine = server
		.output()
		.split("\n")
		.find((line) => line.includes('"outcome":"ready"'));
	// npm ends by the signal (null) without waiting for its child: wait for the whole tree, or the
	// next start finds the data directory still locked.
	const tree = descendants(server.pid);
	const code = await server.stop();
	if (code !== 0 && code !== null)
		throw new Error(`${name} stopped with ${code}`);
	const deadline = Date.now() + 20_000;
	while (tree.some((pid) => existsSync(`/proc/${pid}`))) {
		if (Date.now() > deadline)
			throw new Error(`${name}: its processes outlived the stop`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return { ms, readyLine };
}

await runBench("bench:start", 600, async (cleanup) => {
	const machine = printMachine("bench:start", say);
	// Build first, untimed: the measured starts find dist/ up to date, as every start after install does.
	execFileSync(process.execPath, ["scripts/build-if-stale.mjs"], {
		cwd: REPO_ROOT,
		stdio: "inherit",
	});
	const startParams = (await import("../src/store/index.ts"))
		.PGLITE_START_PARAMS;
	const bench = await createBenchDatabase("plumb_bench_start");
	cleanup.defer(`drop ${bench.name}`, () => bench.drop());
	const dataDir = join(cleanup.tempDir("plumb-bench-start-"), "data");
	const npmStart = (env: Record<string, string>, label: string) =>
		timeStart(label, "npm", ["start"], { ...PLUMB_ENV, ...env }, "/readyz");
	const rows: { name: string; runs: Start[] }[] = [];
	const series = async (name: string, run: () => Promise<Start>, n = RUNS) => {
		const runs: Start[] = [];
		for (let i = 0; i < n; i++) runs.push(await run());
		rows.push({ name, runs });
		say(`${name}: ${runs.map((r) => Math.round(r.ms)).join(" · ")} ms`);
		return runs;
	};

	const [liteFirst] = await series(
		"npm start, PGlite, first (new data dir)",
		() => npmStart({ PLUMB_DATA_DIR: dataDir }, "plumb (PGlite)"),
		1,
	);
	const liteLater = await series("npm start, PGlite, later", () =>
		npmStart({ PLUMB_DATA_DIR: dataDir }, "plumb (PGlite)"),
	);
	const [pgFirst] = await series(
		"npm start, PostgreSQL, first (new database)",
		() => npmStart({ DATABASE_URL: bench.url }, "plumb (PostgreSQL)"),
		1,
	);
	const pgLater = await series("npm start, PostgreSQL, later", () =>
		npmStart({ DATABASE_URL: bench.url }, "plumb (PostgreSQL)"),
	);
	const bareLite = await series("bare PGlite, same data dir", () =>
		timeStart(
			"bare PGlite",
			process.execPath,
			["--input-type=module", "-e", BARE_PGLITE],
			{
				PGLITE_DIR: dataDir,
				START_PARAMS: JSON.stringify(startParams),
			},
		),
	);
	const bareHttp = await series("bare node:http", () =>
		timeStart(
			"bare node:http",
			process.execPath,
			["--input-type=module", "-e", BARE_HTTP],
			{},
		),
	);

	const median = (runs: Start[]) =>
		percentile(
			runs.map((r) => r.ms).sort((a, b) => a - b),
			50,
		);
	const fmt = (msValue: number) => `${(msValue / 1000).toFixed(2)} s`;
	say(heading("spawn → ready (median of the runs)"));
	say(
		table(
			["start", "median", "min", "max", "runs"],
			rows.map(({ name, runs }) => [
				name,
				fmt(median(runs)),
				fmt(Math.min(...runs.map((r) => r.ms))),
				fmt(Math.max(...runs.map((r) => r.ms))),
				String(runs.length),
			]),
		),
	);
	say(
		`ratios: PGlite later / bare PGlite ${(median(liteLater) / median(bareLite)).toFixed(1)}×, ` +
			`PostgreSQL later / bare node:http ${(median(pgLater) / median(bareHttp)).toFixed(1)}×`,
	);

	const checks = new Checks();
	const plumbStarts = [liteFirst, ...liteLater, pgFirst, ...pgLater] as Start[];
	checks.check(
		"every start logged a ready line naming the dashboard",
		plumbStarts.every((s) =>
			/"dashboard":"http:\/\/127\.0\.0\.1:\d+\/admin"/.test(s.readyLine ?? ""),
		),
		plumbStarts.find((s) => !s.readyLine?.includes("/admin"))?.readyLine ??
			"all do",
	);
	for (const [name, first, later] of [
		["PGlite", liteFirst, liteLater],
		["PostgreSQL", pgFirst, pgLater],
	] as const) {
		checks.goal(
			`${name}: first start`,
			(first?.ms ?? Number.POSITIVE_INFINITY) <= GOALS.firstMs,
			`${fmt(first?.ms ?? Number.NaN)} (goal ≤ ${fmt(GOALS.firstMs)})`,
		);
		checks.goal(
			`${name}: later starts, median`,
			median(later) <= GOALS.laterMs,
			`${fmt(median(later))} (goal ≤ ${fmt(GOALS.laterMs)})`,
		);
	}
	say(heading("summary"));
	say(summary(checks));
	const file = writeResults(join(REPO_ROOT, "bench/results"), "start", {
		machine,
		rows: rows.map(({ name, runs }) => ({
			name,
			ms: runs.map((r) => Math.round(r.ms)),
		})),
		goals: checks.goals,
		correctness: checks.correctness,
	});
	say(`results: ${file}`);
	if (!checks.allCorrect) process.exitCode = 1;
});
