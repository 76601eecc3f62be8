/** The `plumb` command line: parses argv, loads config, runs one command, maps failures to exit codes. */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.ts";
import { watchQueueMetrics } from "../queue/index.ts";
import { DataDirInUseError } from "./data-dir-lock.ts";
import { doctorCommand } from "./doctor.ts";
import { migrateCommand } from "./migrate.ts";
import { installLogSalt, watchAlertMetrics } from "./observability.ts";
import { replayCommand } from "./replay.ts";
import { openRuntime } from "./runtime.ts";
import { type RunningHttp, startHttp } from "./serve.ts";
import { traceCommand } from "./trace.ts";
import { type RunningWorkers, startWorkers } from "./worker.ts";

const USAGE = `Usage: plumb <command>

Commands:
  start     API and worker in one process (the default)
  serve     HTTP API only (stateless; run as many as you like against one Postgres)
  worker    workers only (run as many as you like against one Postgres)
  migrate   apply database migrations and exit
  replay    requeue a delivery: replay <delivery-id> [--force] | replay --dead [--destination X]
  trace     everything Plumb knows about an id, e-mail or provider id: trace <id> [--json] [--url URL]
  doctor    launch-readiness checklist: doctor [--url URL]

Configuration comes from the environment; see README.md.`;

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
	try {
		// Doctor reports a bad configuration as one of its checks, so it loads the config itself.
		if (command === "doctor")
			return await doctorCommand(argv.slice(argv.indexOf("doctor") + 1));
		const config = loadConfig();
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
			default:
				process.stderr.write(`Unknown command: ${command}\n\n${USAGE}\n`);
				return 2;
		}
	} catch (error) {
		if (error instanceof ConfigError || error instanceof DataDirInUseError) {
			process.stderr.write(`${error.message}\n`);
			return 2;
		}
		process.stderr.write(
			`plumb ${command} failed: ${error instanceof Error ? error.message : String(error)}\n`,
		);
		return 1;
	}
}

async function runUntilSignal(
	config: ReturnType<typeof loadConfig>,
	parts: { http: boolean; workers: boolean },
): Promise<number> {
	const runtime = await openRuntime(config, { migrate: true });
	let http: RunningHttp | undefined;
	let workers: RunningWorkers | undefined;
	try {
		await installLogSalt(config, runtime.db);
		if (parts.http) {
			watchQueueMetrics(runtime.metrics, runtime.db);
			watchAlertMetrics(runtime.metrics, runtime.db);
			http = await startHttp(runtime);
		}
		if (parts.workers) workers = await startWorkers(runtime);
	} catch (error) {
		await http?.stop();
		await runtime.close();
		throw error;
	}
	await new Promise<void>((resolve) => {
		const shutdown = (signal: string) => {
			runtime.logger.info(
				{ step: "shutdown", signal },
				"stopping: finishing in-flight requests",
			);
			resolve();
		};
		process.once("SIGTERM", shutdown);
		process.once("SIGINT", shutdown);
	});
	// Both drain at once: HTTP finishes its requests while the workers finish their deliveries.
	await Promise.all([http?.stop(), workers?.stop()]);
	await runtime.close();
	runtime.logger.info({ step: "shutdown", outcome: "ok" }, "stopped");
	runtime.logger.flush();
	return 0;
}
