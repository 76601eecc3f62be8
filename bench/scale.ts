/**
 * `npm run bench:scale`: issue 18's scale-out run at its volume, beside the one-process run of the
 * same input. 2 `plumb serve` + 2 `plumb worker` processes on one Postgres database take
 * BENCH_SCALE_EVENTS (default 2,000) signed Stripe events, every 5th also sent to both serve
 * processes, with one worker SIGKILLed midway and restarted; then 1 serve + 1 worker take the same
 * events. Prints, for each: events/s ingested (first post to last 2xx), deliveries/s (first post
 * to last delivery succeeded) and event → delivered p50/p95 (received_at → succeeded_at), and the
 * correctness checks of test/e2e/scale-out.test.ts. Runs the built CLI (dist/, rebuilt if stale).
 * Writes bench/results/scale-<time>.json.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { scaleInput } from "../test/support/scale-input.ts";
import {
	runScale,
	type ScaleResult,
	scaleViolations,
} from "../test/support/scale-out.ts";
import { runBench } from "./support/cleanup.ts";
import { REPO_ROOT } from "./support/plumb.ts";
import { createBenchDatabase } from "./support/postgres.ts";
import {
	Checks,
	heading,
	printMachine,
	summary,
	writeResults,
} from "./support/report.ts";
import { int, ms, percentile, rate, table } from "./support/stats.ts";

const EVENTS = Number(process.env.BENCH_SCALE_EVENTS ?? 2_000);

const say = (line: string) => process.stdout.write(`${line}\n`);

function figures(run: ScaleResult, events: number) {
	const sorted = Float64Array.from(run.deliveredMs).sort();
	return {
		events,
		posts: run.posts,
		ingestPerSecond: events / (run.ingestMs / 1000),
		deliveries: run.deliveries,
		deliveriesPerSecond: run.deliveries / (run.totalMs / 1000),
		deliveredP50Ms: percentile(sorted, 50),
		deliveredP95Ms: percentile(sorted, 95),
		ingestMs: run.ingestMs,
		totalMs: run.totalMs,
		restartMs: run.restartMs,
		crmBehind: run.crmBehind.length,
		crmBehindExamples: run.crmBehind.slice(0, 3),
	};
}

await runBench("bench:scale", 1_200, async (cleanup) => {
	const machine = printMachine("bench:scale", say);
	// The child processes run dist/main.js: bring it up to date with src/ first.
	execFileSync(
		process.execPath,
		[join(REPO_ROOT, "scripts/build-if-stale.mjs")],
		{
			stdio: "inherit",
		},
	);
	const input = scaleInput(EVENTS, `b${Date.now().toString(36)}`);
	say(
		`${int(input.events.length)} events for ${int(input.emails.length)} customers (${input.ticketEmails.length} billing tickets expected)`,
	);
	const checks = new Checks();
	const runs: Record<string, ReturnType<typeof figures>> = {};
	const states: string[] = [];
	for (const [name, serves, workers, killWorker] of [
		["2 serve + 2 worker, 1 worker killed", 2, 2, true],
		["1 serve + 1 worker", 1, 1, false],
	] as const) {
		say(heading(name));
		const db = await createBenchDatabase("plumb_bench_scale");
		cleanup.defer(`drop ${db.name}`, () => db.drop());
		const run = await runScale({
			databaseUrl: db.url,
			serves,
			workers,
			input,
			duplicateEvery: 5,
			killWorker,
		});
		const violations = scaleViolations(run, input);
		checks.check(
			`${name}: every promise kept`,
			violations.length === 0,
			violations.join("; ") || "ok",
		);
		runs[name] = figures(run, input.events.length);
		states.push(run.state);
		// A finding, not a check: see docs/scaling.md, "Scale-out test".
		say(
			`HubSpot contacts behind Plumb after the drain: ${run.crmBehind.length} values${run.crmBehind.length > 0 ? `, e.g. ${run.crmBehind.slice(0, 3).join("; ")}` : ""}`,
		);
		say(
			`ingested in ${ms(run.ingestMs)}, all delivered after ${ms(run.totalMs)}${run.restartMs === undefined ? "" : `; killed worker ready again in ${ms(run.restartMs)}`}`,
		);
		await db.drop();
	}
	checks.check(
		"business state identical in both runs",
		states[0] === states[1],
		states[0] === states[1] ? "identical" : "differs",
	);

	say(heading("figures"));
	say(
		table(
			[
				"run",
				"posts",
				"ingested",
				"deliveries",
				"delivered",
				"event → delivered p50",
				"p95",
			],
			Object.entries(runs).map(([name, f]) => [
				name,
				int(f.posts),
				rate(f.ingestPerSecond),
				int(f.deliveries),
				rate(f.deliveriesPerSecond),
				ms(f.deliveredP50Ms),
				ms(f.deliveredP95Ms),
			]),
		),
	);
	say(heading("summary"));
	say(summary(checks));
	const file = writeResults(join(REPO_ROOT, "bench/results"), "scale", {
		machine,
		events: input.events.length,
		runs,
		correctness: checks.correctness,
	});
	say(`results: ${file}`);
	if (!checks.allCorrect) process.exitCode = 1;
});
