/**
 * Observability wired to the database: the install's log salt, the open-alerts gauge, and the
 * alert-rule evaluator each worker runs (one process at a time does the work, under an advisory lock).
 */
import type { AlertSettings, Config } from "../config/index.ts";
import { type Metrics, setUserHashSalt } from "../observability/index.ts";
import {
	type AlertEvaluationDeps,
	evaluateAlertRules,
	startLoop,
} from "../queue/index.ts";
import {
	countActiveAlerts,
	type Db,
	readLogSalt,
	tableStats,
} from "../store/index.ts";

/** Hashes user ids in logs with PLUMB_LOG_SALT, else the random value this install stored at migration. */
export async function installLogSalt(config: Config, db: Db): Promise<void> {
	setUserHashSalt(config.logSalt ?? (await readLogSalt(db)));
}

/** Feeds `plumb_alerts_open` from the database at each scrape. */
export function watchAlertMetrics(metrics: Metrics, db: Db): void {
	metrics.setAlertSource(() => countActiveAlerts(db));
}

/** Feeds the table gauges (size, live and dead rows) from pg_stat_user_tables at each scrape. */
export function watchTableMetrics(metrics: Metrics, db: Db): void {
	metrics.setTableSource(() => tableStats(db));
}

/** The evaluation pass's deps, and how often to run it. */
export interface AlertEvaluatorDeps extends AlertEvaluationDeps {
	settings: AlertSettings;
}

export interface RunningAlertEvaluator {
	stop(): Promise<void>;
}

/** Evaluates every `settings.intervalMs` until stopped; a failed evaluation is logged and tried again. */
export function startAlertEvaluator(
	deps: AlertEvaluatorDeps,
): RunningAlertEvaluator {
	const loop = startLoop({
		name: "alert evaluator",
		step: "alert_rules",
		// A little later than the workers, and spread, so processes started together do not collide.
		startDelayMs: Math.min(
			deps.settings.intervalMs,
			2_000 + Math.random() * 3_000,
		),
		pass: async () => {
			// A failed evaluation is a missed interval, not a reason to back off: the next one retries.
			try {
				await evaluateAlertRules(deps);
			} catch (error) {
				deps.metrics?.alertRuleEvaluations.inc({ outcome: "failed" });
				deps.logger.warn(
					{
						step: "alert_rules",
						outcome: "failed",
						err: {
							message: error instanceof Error ? error.message : String(error),
						},
					},
					"alert rules could not be evaluated; trying again next interval",
				);
			}
			return { idleMs: deps.settings.intervalMs };
		},
		logger: deps.logger,
		now: deps.now ?? Date.now,
	});
	return { stop: () => loop.stop() };
}
