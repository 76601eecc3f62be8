/**
 * Observability wired to the database: the install's log salt, the open-alerts gauge, and the
 * alert-rule evaluator each worker runs (one process at a time does the work, under an advisory lock).
 */
import type { AlertSettings, Config } from "../config/index.ts";
import type { Notification } from "../core/index.ts";
import {
	ALERT_RULE_KINDS,
	duration,
	type FiringAlert,
	firingAlerts,
	type Logger,
	type Metrics,
	RESOLVABLE_ALERT_KINDS,
	setUserHashSalt,
} from "../observability/index.ts";
import { enqueue, raiseAlert, startLoop } from "../queue/index.ts";
import {
	type AlertEpisode,
	activeAlerts,
	alertsAwaitingResolvedNotice,
	countActiveAlerts,
	type Db,
	pruneWebhookFailures,
	readAlertRuleInputs,
	readLogSalt,
	resolveAlerts,
	tryAlertRulesLock,
} from "../store/index.ts";

/** Hashes user ids in logs with PLUMB_LOG_SALT, else the random value this install stored at migration. */
export async function installLogSalt(config: Config, db: Db): Promise<void> {
	setUserHashSalt(config.logSalt ?? (await readLogSalt(db)));
}

/** Feeds `plumb_alerts_open` from the database at each scrape. */
export function watchAlertMetrics(metrics: Metrics, db: Db): void {
	metrics.setAlertSource(() => countActiveAlerts(db));
}

export interface AlertEvaluatorDeps {
	db: Db;
	logger: Logger;
	metrics?: Metrics | undefined;
	settings: AlertSettings;
	/** For the dashboard links in notifications. */
	publicUrl: string;
	now?: () => number;
}

export interface AlertEvaluation {
	/** Dedupe keys of the episodes opened. */
	fired: string[];
	/** Dedupe keys of the episodes closed. */
	resolved: string[];
	/** "Resolved" notices queued (rule alerts, and dead letters a replay delivered). */
	notices: number;
}

/**
 * One evaluation, in one transaction: reads the rules' inputs, opens an alert (and queues its Slack
 * and e-mail notifications) for each rule over its threshold without an open one, resolves the open
 * ones whose rule cleared, and queues one "resolved" notice per resolved alert. Undefined when
 * another process holds the lock. Two evaluators can never double-fire: besides the lock, an alert
 * key has at most one open row (a unique index), and a notice's idempotency key is unique.
 */
export async function evaluateAlertRules(
	deps: AlertEvaluatorDeps,
): Promise<AlertEvaluation | undefined> {
	const now = deps.now ?? Date.now;
	const link = `${deps.publicUrl.replace(/\/$/, "")}/admin/alerts`;
	const evaluation = await deps.db.transaction(async (tx) => {
		if (!(await tryAlertRulesLock(tx))) return undefined;
		const inputs = await readAlertRuleInputs(tx, {
			windowMs: deps.settings.windowMs,
			deliveryRetries: deps.settings.deliveryRetries,
			nowMs: now(),
		});
		const firing = firingAlerts(inputs, deps.settings);
		const active = await activeAlerts(tx, ALERT_RULE_KINDS);
		const activeKeys = new Set(active.map((alert) => alert.dedupe_key));
		const fired: string[] = [];
		for (const alert of firing) {
			if (activeKeys.has(alert.dedupeKey)) continue;
			const id = await raiseAlert(tx, newAlert(alert), notice(alert, link));
			if (id !== null) fired.push(alert.dedupeKey);
		}
		const firingKeys = new Set(firing.map((alert) => alert.dedupeKey));
		const cleared = active.filter((alert) => !firingKeys.has(alert.dedupe_key));
		const resolvedIds = new Set(
			await resolveAlerts(
				tx,
				cleared.map((alert) => alert.id),
			),
		);
		const awaiting = await alertsAwaitingResolvedNotice(
			tx,
			RESOLVABLE_ALERT_KINDS,
		);
		for (const alert of awaiting) {
			const payload = resolvedNotice(alert, link);
			await enqueue(
				tx,
				[
					{ destination: "slack", action: "notify", payload },
					{ destination: "email", action: "notify", payload },
				],
				{ eventId: alert.event_id, customerId: alert.customer_id },
			);
		}
		await pruneWebhookFailures(tx);
		return {
			fired,
			resolved: cleared
				.filter((alert) => resolvedIds.has(alert.id))
				.map((alert) => alert.dedupe_key),
			notices: awaiting.length,
		};
	});
	report(deps, evaluation);
	return evaluation;
}

function report(
	deps: AlertEvaluatorDeps,
	evaluation: AlertEvaluation | undefined,
): void {
	deps.metrics?.alertRuleEvaluations.inc({
		outcome: evaluation === undefined ? "skipped" : "evaluated",
	});
	if (evaluation === undefined) return;
	const kindOf = (key: string) => key.split(":")[1] ?? key;
	for (const key of evaluation.fired) {
		deps.metrics?.alertsFired.inc({ kind: kindOf(key) });
		deps.logger.warn(
			{ step: "alert_rules", outcome: "fired", alert: key },
			"alert rule fired",
		);
	}
	for (const key of evaluation.resolved) {
		deps.metrics?.alertsResolved.inc({ kind: kindOf(key) });
		deps.logger.info(
			{ step: "alert_rules", outcome: "resolved", alert: key },
			"alert rule resolved",
		);
	}
}

function newAlert(alert: FiringAlert) {
	return {
		kind: alert.kind,
		dedupeKey: alert.dedupeKey,
		severity: alert.severity,
		title: alert.title,
		body: alert.text,
	};
}

function notice(
	alert: FiringAlert,
	link: string,
): Omit<Notification, "alert_id"> {
	return {
		kind: "alert_rule",
		severity: alert.severity,
		title: alert.title,
		text: alert.text,
		fields: alert.fields,
		link,
	};
}

function resolvedNotice(alert: AlertEpisode, link: string): Notification {
	const lasted =
		alert.resolved_at === null
			? undefined
			: duration(alert.resolved_at.getTime() - alert.created_at.getTime());
	return {
		kind: "alert_resolved",
		severity: "info",
		title: `Resolved: ${alert.title}`,
		text:
			alert.kind === "dead_delivery"
				? "The dead delivery was replayed and went through."
				: "The condition is back under its threshold.",
		fields: [
			{ label: "Alert", value: alert.kind },
			{ label: "Opened", value: alert.created_at.toISOString() },
			...(lasted ? [{ label: "Lasted", value: lasted }] : []),
		],
		link,
		alert_id: alert.id,
	};
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
