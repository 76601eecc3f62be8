/**
 * The alert rules of PRODUCT §7 as pure functions: what the database says now → which alerts should
 * be open. The evaluation pass (evaluate.ts) opens the ones that are not (once per episode) and
 * resolves the open ones that are no longer here.
 */
import { DESTINATION_NAMES } from "../../core/index.ts";
import type { AlertRuleInputs } from "../../store/index.ts";

/** The rule alerts' kinds (`plumb.alerts.kind`). Dead deliveries keep their own per-delivery alert. */
export const ALERT_RULE_KINDS = [
	"webhook_verification",
	"webhook_failure_rate",
	"sync_latency",
	"manual_interventions",
	"delivery_retries",
] as const;
export type AlertRuleKind = (typeof ALERT_RULE_KINDS)[number];

/** Alerts that close when their condition clears, and then send a "resolved" notice. */
export const RESOLVABLE_ALERT_KINDS: readonly string[] = [
	...ALERT_RULE_KINDS,
	"dead_delivery",
];

/** An alert that should be open now. */
export interface FiringAlert {
	kind: AlertRuleKind;
	/** One open alert per key: the same key while the condition lasts is one episode. */
	dedupeKey: string;
	severity: "info" | "warning" | "critical";
	title: string;
	text: string;
	fields: Array<{ label: string; value: string }>;
}

/** Destinations and webhook sources, as people read them. */
const NAMES: Readonly<Record<string, string>> = {
	...DESTINATION_NAMES,
	stripe: "Stripe",
	supabase: "Supabase",
};

/** The thresholds the rules compare against (PRODUCT §7); durations in ms. An alert fires when a value goes *over* its threshold. */
export interface AlertRuleSettings {
	/** The window of the webhook and sync-latency rules. */
	readonly windowMs: number;
	/** Failed webhook verifications in the window. */
	readonly signatureFailures: number;
	/** Webhook requests answered 4xx/5xx, as a percentage of all webhook requests in the window. */
	readonly webhookFailurePercent: number;
	/** p95 of event received → delivered, in the window. */
	readonly syncP95Ms: number;
	/** Manual interventions in the last 24 hours. */
	readonly interventionsPerDay: number;
	/** Failed attempts of one delivery that is still being retried. */
	readonly deliveryRetries: number;
	/** Fewest webhook requests (or deliveries) in the window for the rate (or p95) rule to judge. */
	readonly minSamples: number;
}

/** Evaluates every rule; returns the alerts that should be open, in a stable order. */
export function firingAlerts(
	inputs: AlertRuleInputs,
	settings: AlertRuleSettings,
): FiringAlert[] {
	const window = duration(settings.windowMs);
	const firing: FiringAlert[] = [];
	const verification = sum(inputs.verificationFailures);
	if (verification > settings.signatureFailures)
		firing.push({
			kind: "webhook_verification",
			dedupeKey: "rule:webhook_verification",
			severity: "warning",
			title: `${verification} failed webhook verifications in ${window}`,
			text: `Webhook requests were refused for a missing, wrong or expired signature (threshold: more than ${settings.signatureFailures} in ${window}). After a secret rotation, configure both secrets (STRIPE_WEBHOOK_SECRET=whsec_new,whsec_old); otherwise someone may be probing the webhook URLs.`,
			fields: breakdown(inputs.verificationFailures),
		});
	const failed = sum(inputs.webhookFailures);
	const total = failed + inputs.webhookAccepted;
	const percent = total === 0 ? 0 : (failed / total) * 100;
	if (
		total >= Math.max(settings.minSamples, 1) &&
		percent > settings.webhookFailurePercent
	)
		firing.push({
			kind: "webhook_failure_rate",
			dedupeKey: "rule:webhook_failure_rate",
			severity: "critical",
			title: `Webhook failure rate ${round(percent)} % over ${window}`,
			text: `${failed} of ${total} webhook requests were answered with an error (threshold: more than ${settings.webhookFailurePercent} %). Providers retry, but nothing is stored until Plumb answers 200: check the logs (step "verify" and "http") and /readyz.`,
			fields: breakdown(inputs.webhookFailures, (status) => `HTTP ${status}`),
		});
	const { p95Seconds, samples } = inputs.syncLatency;
	if (
		p95Seconds !== null &&
		samples >= Math.max(settings.minSamples, 1) &&
		p95Seconds * 1000 > settings.syncP95Ms
	)
		firing.push({
			kind: "sync_latency",
			dedupeKey: "rule:sync_latency",
			severity: "warning",
			title: `Sync latency p95 ${duration(p95Seconds * 1000)} (over ${duration(settings.syncP95Ms)})`,
			text: `95 % of the deliveries of events received in the last ${window} (and of any still waiting) took up to ${duration(p95Seconds * 1000)} from event to vendor. Look at the queue depth, the oldest due delivery and the vendors' answers in the dashboard.`,
			fields: [{ label: "Deliveries measured", value: String(samples) }],
		});
	const interventions = sum(inputs.interventionsLastDay);
	if (interventions > settings.interventionsPerDay)
		firing.push({
			kind: "manual_interventions",
			dedupeKey: "rule:manual_interventions",
			severity: "warning",
			title: `${interventions} manual interventions in 24 h`,
			text: `People replayed, acknowledged or forced things ${interventions} times in the last 24 hours (threshold: more than ${settings.interventionsPerDay}). Something keeps failing that should not need hands.`,
			fields: breakdown(inputs.interventionsLastDay),
		});
	for (const group of inputs.retrying) {
		if (group.count === 0) continue;
		const name = NAMES[group.destination] ?? group.destination;
		firing.push({
			kind: "delivery_retries",
			dedupeKey: `rule:delivery_retries:${group.destination}`,
			severity: "warning",
			title: `${name} deliveries retried more than ${settings.deliveryRetries} times`,
			text: `${group.count} ${name} ${group.count === 1 ? "delivery is" : "deliveries are"} still failing after more than ${settings.deliveryRetries} attempts (the most: ${group.mostAttempts}). They keep retrying until the retry horizon, then go dead; the dashboard shows each one's last error.`,
			fields: [
				{ label: "Destination", value: name },
				{ label: "Deliveries", value: String(group.count) },
			],
		});
	}
	return firing;
}

function sum(counts: Readonly<Record<string, number>>): number {
	return Object.values(counts).reduce((total, n) => total + n, 0);
}

function breakdown(
	counts: Readonly<Record<string, number>>,
	label: (key: string) => string = (key) => NAMES[key] ?? key,
): Array<{ label: string; value: string }> {
	return Object.entries(counts)
		.filter(([, n]) => n > 0)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([key, n]) => ({ label: label(key), value: String(n) }));
}

/** 50 → "50", 1.5 → "1.5", 1 → "1". */
function round(value: number): string {
	return (value >= 10 ? value.toFixed(0) : value.toFixed(1)).replace(
		/\.0$/,
		"",
	);
}

/** 900000 → "15 min", 45000 → "45 s", 1500 → "1.5 s". */
export function duration(ms: number): string {
	if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
	if (ms >= 60_000) return `${round(ms / 60_000)} min`;
	return `${round(ms / 1_000)} s`;
}
