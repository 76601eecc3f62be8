/**
 * The worker's scheduled prune (every PLUMB_PRUNE_EVERY, default 1h): the same run as `plumb prune`.
 * Every worker schedules it; the lease lets one process at a time do the work. A run that stopped at
 * its time budget is followed by the next one at once; a failed run is logged and retried next interval.
 */
import type { Config } from "../config/index.ts";
import { type PruneSettings, prune, startLoop } from "../queue/index.ts";
import type { Runtime } from "./runtime.ts";

export interface RunningPruner {
	stop(): Promise<void>;
}

/** Retention's settings for the prune run, from the configuration. */
export function pruneSettings(config: Config): PruneSettings {
	return {
		payloadsMs: config.retention.payloadsMs,
		attemptsMs: config.retention.attemptsMs,
		alertsMs: config.retention.alertsMs,
		sessionIdleMs: config.admin.sessionIdleMs,
	};
}

export function startPruner(runtime: Runtime): RunningPruner {
	const { config, db, logger, metrics, now } = runtime;
	const everyMs = config.retention.everyMs;
	const settings = pruneSettings(config);
	const loop = startLoop({
		name: "prune",
		step: "prune",
		// Not at start-up, when the workers catch up on what waited; spread across processes.
		startDelayMs: Math.min(everyMs, 60_000 + Math.random() * 60_000),
		pass: async (signal) => {
			try {
				const result = await prune({ db, logger, metrics, now }, settings, {
					signal,
				});
				if (result.ran && !result.summary.finished && !signal.aborted)
					return "more";
			} catch (error) {
				if (signal.aborted) return { idleMs: everyMs };
				logger.warn(
					{
						step: "prune",
						outcome: "failed",
						err: {
							message: error instanceof Error ? error.message : String(error),
						},
					},
					"prune failed; trying again next interval",
				);
			}
			return { idleMs: everyMs };
		},
		logger,
		now,
	});
	return { stop: () => loop.stop() };
}
