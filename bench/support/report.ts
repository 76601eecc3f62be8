/** Benchmark report plumbing: machine facts, pass/fail checks, and the JSON results file. */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { count2xx, type LoadResult } from "./load.ts";
import {
	int,
	type LatencySummary,
	ms,
	rate,
	summarize,
	table,
	verdict,
} from "./stats.ts";

export interface Machine {
	node: string;
	cpus: number;
	cpuModel: string;
	memoryGiB: number;
	/** 1, 5 and 15 minute load averages: on a shared box, anything near `cpus` makes numbers noisy. */
	loadavg: [number, number, number];
}

export function machine(): Machine {
	const [one = 0, five = 0, fifteen = 0] = loadavg();
	return {
		node: process.version,
		cpus: cpus().length,
		cpuModel: cpus()[0]?.model.trim() ?? "unknown",
		memoryGiB: Math.round(totalmem() / 2 ** 30),
		loadavg: [one, five, fifteen].map((n) => Math.round(n * 100) / 100) as [
			number,
			number,
			number,
		],
	};
}

/** `warn`: flag a load that makes numbers noisy (pointless once the bench itself is the load). */
export const describeLoad = (m: Machine, warn = true): string =>
	`load average ${m.loadavg.join(" / ")} (1/5/15 min) on ${m.cpus} CPUs${warn && m.loadavg[0] > m.cpus * 0.5 ? " — busy machine, expect noisy numbers" : ""}`;

export interface Check {
	name: string;
	ok: boolean;
	detail: string;
}

/** Collects correctness checks (a failed one makes the numbers suspect) and goals (targets to meet). */
export class Checks {
	readonly correctness: Check[] = [];
	readonly goals: Check[] = [];

	check(name: string, ok: boolean, detail: string): boolean {
		this.correctness.push({ name, ok, detail });
		return ok;
	}

	/** Records a goal and returns it as a report line: `name: detail  PASS`. */
	goal(name: string, ok: boolean, detail: string): string {
		this.goals.push({ name, ok, detail });
		return `${name}: ${detail}  ${verdict(ok)}`;
	}

	get allCorrect(): boolean {
		return this.correctness.every((c) => c.ok);
	}
}

/** Prints what the numbers depend on (Node, CPUs, load) and returns it for the results file. */
export function printMachine(
	title: string,
	say: (line: string) => void,
): Machine {
	const m = machine();
	say(`${title} — ${new Date().toISOString()}`);
	say(`node ${m.node}, ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB RAM`);
	say(describeLoad(m));
	return m;
}

/** The goals table, then correctness: a count, and each failed check spelled out. */
export function summary(checks: Checks): string {
	const failed = checks.correctness.filter((c) => !c.ok);
	return [
		table(
			["goal", "measured", "verdict"],
			checks.goals.map((g) => [g.name, g.detail, verdict(g.ok)]),
			3,
		),
		`Correctness: ${checks.correctness.length - failed.length} of ${checks.correctness.length} checks passed`,
		...failed.map((c) => `  FAILED ${c.name}: ${c.detail}`),
	].join("\n");
}

export const heading = (title: string): string =>
	`\n== ${title} ${"=".repeat(Math.max(0, 76 - title.length))}`;

/** Writes `<dir>/<name>-<UTC timestamp>.json` and returns its path. */
export function writeResults(dir: string, name: string, data: unknown): string {
	mkdirSync(dir, { recursive: true });
	const stamp = new Date().toISOString().replace(/[:.]/g, "-");
	const path = join(dir, `${name}-${stamp}.json`);
	writeFileSync(path, `${JSON.stringify(data, null, "\t")}\n`);
	return path;
}

/** One measured run, as reported and stored (latencies summarised, not kept). */
export interface Measured {
	requests: number;
	seconds: number;
	throughput: number;
	latency: LatencySummary;
	statuses: Record<number, number>;
	errors: number;
	/** Rows the server stored for this run. */
	rows: number;
	/** The server process's CPU time per request, in ms (NaN when unknown). */
	cpuMsPerRequest: number;
}

/** A run's figures, latencies reduced to percentiles. */
export function summariseRun(
	result: LoadResult,
	rows: number,
	serverCpuMs = Number.NaN,
): Measured {
	return {
		requests: result.completed,
		seconds: result.elapsedMs / 1000,
		throughput: result.throughput,
		latency: summarize(result.latenciesMs),
		statuses: result.statuses,
		errors: result.errors,
		rows,
		cpuMsPerRequest: serverCpuMs / result.completed,
	};
}

/** Summarises a run and checks it: every response 2xx, and exactly one stored row per 2xx. */
export function measure(
	checks: Checks,
	label: string,
	result: LoadResult,
	rows: number,
	serverCpuMs = Number.NaN,
): Measured {
	const ok = count2xx(result.statuses);
	checks.check(
		`${label}: every response 2xx`,
		ok === result.completed && result.errors === 0,
		`${int(ok)} of ${int(result.completed)} 2xx, ${result.errors} connection errors/timeouts`,
	);
	checks.check(
		`${label}: rows = 2xx responses`,
		rows === ok,
		`${int(rows)} rows for ${int(ok)} × 2xx`,
	);
	return summariseRun(result, rows, serverCpuMs);
}

/** One line per measured run: count, rate, latency percentiles, failures, rows, server CPU per request. */
export function latencyTable(runs: Record<string, Measured>): string {
	return table(
		[
			"run",
			"requests",
			"req/s",
			"p50",
			"p90",
			"p99",
			"max",
			"non-2xx",
			"rows",
			"CPU/req",
		],
		Object.entries(runs).map(([name, m]) => [
			name,
			int(m.requests),
			rate(m.throughput),
			ms(m.latency.p50),
			ms(m.latency.p90),
			ms(m.latency.p99),
			ms(m.latency.max),
			int(m.requests - count2xx(m.statuses)),
			int(m.rows),
			ms(m.cpuMsPerRequest),
		]),
	);
}
