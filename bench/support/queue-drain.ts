/** Queue benchmarks' helpers: wait for a drain, graphile-worker as the baseline, a `plumb worker` process's memory. */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import {
	Logger as GraphileLogger,
	makeWorkerUtils,
	run,
} from "graphile-worker";
import type { PlumbCommand } from "./plumb.ts";
import type { BenchDatabase } from "./postgres.ts";

/** Polls (50 ms, one cheap query, the same for every system) until `sql` says nothing is left; returns the time. */
export async function drained(
	bench: BenchDatabase,
	sql: string,
): Promise<number> {
	for (;;) {
		const [row] = await bench.query<{ left: boolean }>(sql);
		if (!row?.left) return performance.now();
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/**
 * graphile-worker draining `count` no-op jobs with its defaults (pollInterval 2 s, pool 10, no local
 * queue or batching) but `concurrency`, and a silent logger: its default one writes a line per job.
 * Returns jobs per second and how many ran.
 */
export async function graphileDrain(
	bench: BenchDatabase,
	count: number,
	concurrency: number,
): Promise<{ rate: number; ran: number }> {
	const utils = await makeWorkerUtils({ connectionString: bench.url });
	await utils.addJobs(
		Array.from({ length: count }, () => ({ identifier: "noop", payload: {} })),
	);
	await utils.release();
	let ran = 0;
	const started = performance.now();
	const runner = await run({
		connectionString: bench.url,
		concurrency,
		noHandleSignals: true,
		logger: new GraphileLogger(() => () => {}),
		taskList: {
			noop: async () => {
				ran++;
			},
		},
	});
	const ended = await drained(
		bench,
		"select exists (select 1 from graphile_worker._private_jobs) as left",
	);
	await runner.stop();
	return { rate: (count / (ended - started)) * 1000, ran };
}

/**
 * Runs `plumb worker` from `plumb` (the bench's private build) against `databaseUrl` until `done()`
 * (at most `timeoutMs`),
 * then reads the process's resident memory (now and peak) from /proc and stops it with SIGTERM.
 */
export async function workerProcessMemory(
	plumb: PlumbCommand,
	databaseUrl: string,
	done: () => Promise<boolean>,
	/** More environment for the worker (a connector's settings). */
	env: Record<string, string> = {},
	timeoutMs = 60_000,
): Promise<{ rssMiB: number; peakMiB: number; exitCode: number | null }> {
	const child = spawn(plumb.command, [...plumb.args.slice(0, -1), "worker"], {
		env: {
			PATH: process.env.PATH ?? "",
			HOME: process.env.HOME ?? "",
			DATABASE_URL: databaseUrl,
			LOG_LEVEL: "warn",
			...env,
		},
		stdio: ["ignore", "ignore", "inherit"],
	});
	const exited = new Promise<number | null>((resolve) =>
		child.once("exit", (code) => resolve(code)),
	);
	try {
		const deadline = Date.now() + timeoutMs;
		while (!(await done())) {
			if (Date.now() > deadline)
				throw new Error(`plumb worker did not drain in ${timeoutMs / 1000} s`);
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		const status = await readFile(`/proc/${child.pid}/status`, "utf8");
		const kib = (field: string) =>
			Number(
				new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ??
					Number.NaN,
			);
		const memory = {
			rssMiB: kib("VmRSS") / 1024,
			peakMiB: kib("VmHWM") / 1024,
		};
		child.kill("SIGTERM");
		return { ...memory, exitCode: await exited };
	} finally {
		child.kill("SIGKILL");
	}
}
