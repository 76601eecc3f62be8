/**
 * One pass of the alert rules: read their inputs, decide which alerts should be open, open and
 * resolve episodes, and queue their notices. The worker's loop (src/cli/observability.ts) runs it.
 */
import type { Notification } from "../../core/index.ts";
import type { Logger, Metrics } from "../../observability/index.ts";
import {
	type AlertEpisode,
	activeAlerts,
	alertsAwaitingResolvedNotice,
	type Db,
	pruneWebhookFailures,
	readAlertRuleInputs,
	resolveAlerts,
	tryAlertRulesLock,
} from "../../store/index.ts";
import { queueNotice, raiseAlert } from "./raise.ts";
import {
	ALERT_RULE_KINDS,
	type AlertRuleSettings,
	duration,
	type FiringAlert,
	firingAlerts,
	RESOLVABLE_ALERT_KINDS,
} from "./rules.ts";

export interface AlertEvaluationDeps {
	db: Db;
	logger: Logger;
	metrics?: Metrics | undefined;
	settings: AlertRuleSettings;
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
	deps: AlertEvaluationDeps,
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
		for (const alert of awaiting)
			await queueNotice(tx, resolvedNotice(alert, link), {
				eventId: alert.event_id,
				customerId: alert.customer_id,
			});
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
	deps: AlertEvaluationDeps,
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
