/** The `plumb` command line: parses argv, loads config, runs one command, maps failures to exit codes. */
import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig } from "../config/index.ts";
import { createScrubber } from "../observability/index.ts";
import { watchQueueMetrics } from "../queue/index.ts";
import { backfillCommand } from "./backfill.ts";
import { connectDatabase } from "./connect.ts";
import { DataDirInUseError } from "./data-dir-lock.ts";
import { doctorCommand } from "./doctor/command.ts";
import { databaseProblem } from "./failure-words.ts";
import { migrateCommand } from "./migrate.ts";
import { missingSecrets } from "./missing-secrets.ts";
import { watchAlertMetrics, watchTableMetrics } from "./observability.ts";
import { pruneCommand } from "./prune.ts";
import { reconcileCommand } from "./reconcile.ts";
import { replayCommand } from "./replay.ts";
import { openRuntime } from "./runtime.ts";
import { type RunningHttp, startHttp } from "./serve.ts";
import { simulateCommand } from "./simulate/command.ts";
import { stripeCommand } from "./stripe-setup.ts";
import { traceCommand } from "./trace.ts";
import { type RunningWorkers, startWorkers } from "./worker.ts";

const USAGE = `Usage: plumb <command>

Commands:
  start     API and worker in one process (the default)
  serve     HTTP API only (stateless; run as many as you like against one Postgres)
  worker    workers only (run as many as you like against one Postgres)
  migrate   apply database migrations and exit
  replay    requeue a delivery: replay <delivery-id> [--force] | replay --dead [--destination X] [--url URL]
  trace     everything Plumb knows about an id, e-mail or provider id: trace <id> [--json] [--url URL]
  doctor    launch-readiness checklist: doctor [--url URL]
  stripe    Stripe's webhook endpoint for Plumb: stripe setup [--create]
  reconcile fetch the Stripe events Plumb missed: reconcile [--since 3d | --since 2026-11-01]
  simulate  signed test traffic and an acceptance report: simulate [first-payment | full | in-app] [--url URL]
            (without --url it starts Plumb here: the quick start's one command)
  backfill  bring in existing Stripe customers, subscriptions and paid invoices: backfill [--since 2026-01-01]
  prune     remove what retention says has been kept long enough (PLUMB_RETENTION_*): prune

Configuration comes from the environment; see docs/configuration.md.`;

export async function runCli(argv: readonly string[]): Promise<number> {
	const { positionals, values } = parseArgs({
		args: [...argv],
		allowPositionals: true,
		strict: false,
		options: { help: { type: "boolean", short: "h" } },
	});
	const command = positionals[0] ?? "start";
	if (values.help || command === "help") {
		process.stdout.write(`${USAGE}\n`);
		return 0;
	}
	let config: Config | undefined;
	try {
		// Doctor reports a bad configuration as one of its checks, so it loads the config itself.
		if (command === "doctor")
			return await doctorCommand(argv.slice(argv.indexOf("doctor") + 1));
		config = loadConfig();
		switch (command) {
			case "start":
				return await runUntilSignal(config, { http: true, workers: true });
			case "serve":
				return await runUntilSignal(config, { http: true, workers: false });
			case "worker":
				return await runUntilSignal(config, { http: false, workers: true });
			case "replay":
				return await replayCommand(
					config,
					argv.slice(argv.indexOf("replay") + 1),
				);
			case "trace":
				return await traceCommand(
					config,
					argv.slice(argv.indexOf("trace") + 1),
				);
			case "migrate":
				return await migrateCommand(config);
			case "reconcile":
				return await reconcileCommand(
					config,
					argv.slice(argv.indexOf("reconcile") + 1),
				);
			case "simulate":
				return await simulateCommand(
					config,
					argv.slice(argv.indexOf("simulate") + 1),
					(own, afterReady) =>
						runUntilSignal(own, { http: true, workers: true }, afterReady),
				);
			case "backfill":
				return await backfillCommand(
					config,
					argv.slice(argv.indexOf("backfill") + 1),
				);
			case "prune":
				return await pruneCommand(
					config,
					argv.slice(argv.indexOf("prune") + 1),
				);
			case "stripe":
				return await stripeCommand(
					config,
					argv.slice(argv.indexOf("stripe") + 1),
				);
			default:
				process.stderr.write(`Unknown command: ${command}\n\n${USAGE}\n`);
				return 2;
		}
	} catch (error) {
		if (error instanceof ConfigError || error instanceof DataDirInUseError) {
			process.stderr.write(`${error.message}\n`);
			return 2;
		}
		const message = createScrubber(config?.secretValues ?? [])(
			error instanceof Error ? error.message : String(error),
		);
		// Name the variable and where it points, never the URL itself: it may hold the password.
		const database = databaseProblem(config?.database.url, error);
		process.stderr.write(
			database === undefined
				? `plumb ${command} failed: ${message}\n`
				: `plumb ${command} failed: ${database}\n`,
		);
		return 1;
	}
}

/**
 * Where start-up time goes, for the "ready" log line: `load` is the process up to here (Node and the
 * imports), then each step since the previous mark.
 */
function startupPhases() {
	const phases: Record<string, number> = {
		load: Math.round(process.uptime() * 1000),
	};
	let last = performance.now();
	return {
		mark(name: string) {
			const now = performance.now();
			phases[name] = Math.round(now - last);
			last = now;
		},
		done: () => ({
			...phases,
			total: Math.round(process.uptime() * 1000),
		}),
	};
}

/**
 * `start`, `serve` and `worker`: listen at once (probes only), reach the database (retrying while it
 * is down), start the rest, and on SIGTERM or SIGINT drain and return 0 — also while still waiting.
 */
async function runUntilSignal(
	config: Config,
	parts: { http: boolean; workers: boolean },
	/** `plumb simulate`: runs once the instance is ready; its code is the exit code, and it may stop the instance. */
	afterReady?: (url: string) => Promise<{ code: number; keepRunning: boolean }>,
): Promise<number> {
	// Listen for the signal first: one that arrives during start-up must stop it, not kill it.
	const stop = new AbortController();
	let stopNow: (reason: string) => void = () => {};
	const stopped = new Promise<string>((resolve) => {
		const shutdown = (signal: string) => {
			stop.abort();
			resolve(signal);
		};
		stopNow = shutdown;
		process.once("SIGTERM", shutdown);
		process.once("SIGINT", shutdown);
	});
	let code = 0;
	const phases = startupPhases();
	const runtime = await openRuntime(config);
	phases.mark("open");
	void stopped.then((signal) =>
		runtime.logger.info(
			{ step: "shutdown", signal },
			"stopping: finishing in-flight requests",
		),
	);
	let started = false;
	let http: RunningHttp | undefined;
	let workers: RunningWorkers | undefined;
	try {
		if (parts.http) http = await startHttp(runtime, { started: () => started });
		phases.mark("listen");
		// A signal during a slow first migration skips starting the rest.
		if ((await connectDatabase(runtime, stop.signal)) && !stop.signal.aborted) {
			phases.mark("migrate");
			if (parts.http) {
				watchQueueMetrics(runtime.metrics, runtime.db);
				watchAlertMetrics(runtime.metrics, runtime.db);
				watchTableMetrics(runtime.metrics, runtime.db);
			}
			if (parts.workers) workers = await startWorkers(runtime);
			phases.mark("workers");
			const dashboard = http ? `${http.url}/admin` : undefined;
			runtime.logger.info(
				{
					step: "startup",
					outcome: "ready",
					...(dashboard ? { dashboard } : {}),
					phases_ms: phases.done(),
				},
				dashboard ? `ready; dashboard at ${dashboard}` : "ready",
			);
			if (parts.http)
				for (const { variable, consequence } of missingSecrets(config))
					runtime.logger.warn(
						{ step: "startup", outcome: "missing_secret", variable },
						`${variable} is not set: ${consequence}`,
					);
			started = true;
			if (afterReady && http) {
				const outcome = await afterReady(http.url);
				code = outcome.code;
				if (!outcome.keepRunning) stopNow("done");
			}
		}
	} catch (error) {
		await http?.stop();
		await runtime.close();
		throw error;
	}
	await stopped;
	// The drain is bounded by PLUMB_DELIVERY_DRAIN_TIMEOUT (calls in flight, then their results); a
	// database that stops answering mid-statement (no reset, no reply) would hold it forever.
	const limitMs = config.delivery.drainMs * 2 + 5_000;
	const hardStop = setTimeout(() => {
		runtime.logger.error(
			{ step: "shutdown", outcome: "timeout", limit_ms: limitMs },
			"shutdown did not finish in time; exiting without it",
		);
		runtime.logger.flush();
		process.exit(1);
	}, limitMs).unref();
	// Both drain at once: HTTP finishes its requests while the workers finish their deliveries.
	await Promise.all([http?.stop(config.delivery.drainMs), workers?.stop()]);
	await runtime.close();
	clearTimeout(hardStop);
	runtime.logger.info({ step: "shutdown", outcome: "ok" }, "stopped");
	runtime.logger.flush();
	return code;
}
