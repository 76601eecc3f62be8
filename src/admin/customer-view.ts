/**
 * The customer page as data, for the JSON API and the dashboard alike: business state (what the
 * customer bought and asked), integration state per destination (what reached HubSpot, Zendesk,
 * Slack and e-mail, and what did not, with why) and one merged timeline.
 */
import {
	DESTINATION_NAMES,
	DESTINATIONS,
	type DeliveryStatus,
	type Destination,
} from "../core/index.ts";
import { effectiveStatus } from "../rules/index.ts";
import type {
	CustomerDetailRows,
	DeliveryListItem,
	LastSuccess,
	SubscriptionRecord,
} from "../store/index.ts";
import {
	actionName,
	ago,
	deliveryState,
	describeRef,
	doneWord,
	type Tone,
} from "./describe.ts";
import { buildTimeline, type TimelineItem } from "./timeline-view.ts";

export interface DeliveryBrief {
	id: string;
	action: string;
	status: DeliveryStatus;
	attempts: number;
	next_attempt_at: Date;
	last_error: string | null;
	updated_at: Date;
	/** The state in words: "queued — retrying in 40 s …", "dead after 3 attempts — needs a replay". */
	summary: string;
}

export type IntegrationState =
	| "ok"
	| "dead"
	| "retrying"
	| "pending"
	| "skipped"
	| "none";

export interface Integration {
	destination: Destination;
	name: string;
	/** Whether its variables are set in this process (unset: deliveries are recorded as skipped). */
	configured: boolean;
	state: IntegrationState;
	tone: Tone;
	/** One line: "synced 2 min ago — contact 1001", "dead: HubSpot refused the request (400) …". */
	summary: string;
	last_success: {
		delivery_id: string;
		action: string;
		external_ref: string | null;
		at: Date | null;
	} | null;
	waiting: DeliveryBrief[];
	dead: DeliveryBrief[];
	/** The newest skipped delivery newer than the last success (why nothing was sent). */
	skipped: DeliveryBrief | null;
	/** Every delivery of this customer to this destination, by status. */
	counts: Partial<Record<DeliveryStatus, number>>;
}

export interface CustomerView {
	customer: CustomerDetailRows["customer"] & {
		identities: CustomerDetailRows["identities"];
	};
	merged_from: string | null;
	/** "paid — CRM synced 2 min ago — ticket #123 open — Slack sent". */
	headline: string;
	business: {
		payments: CustomerDetailRows["payments"];
		subscriptions: SubscriptionView[];
		/** Each payment provider, store and environment the customer's billing events came from. */
		billing_sources: CustomerDetailRows["billingSources"];
		tickets: CustomerDetailRows["tickets"];
	};
	integrations: Integration[];
	timeline: TimelineItem[];
	/** True when older entries were left out (the page shows the newest). */
	timeline_truncated: boolean;
}

export interface SubscriptionView extends SubscriptionRecord {
	/**
	 * The status Plumb derives, as the customer's plan status does: Stripe's last word (`status`),
	 * overridden by a newer payment (a failure makes an active one past_due, a payment recovers it).
	 */
	effective_status: string | null;
}

/** A subscription with the status the customer's plan status is derived from (rules/subscription.ts). */
function subscriptionView(s: SubscriptionRecord): SubscriptionView {
	const effective = effectiveStatus({
		ref: s.provider_ref,
		status:
			s.status === null
				? undefined
				: { value: { status: s.status }, at: s.status_as_of ?? new Date(0) },
		lastPaidAt: s.last_paid_at ?? undefined,
		lastFailedAt: s.last_failed_at ?? undefined,
	});
	return { ...s, effective_status: effective ?? null };
}

export function customerView(
	rows: CustomerDetailRows,
	options: { now: number; configured: Record<Destination, boolean> },
): CustomerView {
	const integrations = DESTINATIONS.map((destination) =>
		integration(destination, rows, options),
	);
	const { items, truncated } = buildTimeline(rows, options.now);
	return {
		customer: { ...rows.customer, identities: rows.identities },
		merged_from: rows.mergedFrom ?? null,
		headline: headline(rows, integrations, options.now),
		business: {
			payments: rows.payments,
			subscriptions: rows.subscriptions.map(subscriptionView),
			billing_sources: rows.billingSources,
			tickets: rows.tickets,
		},
		integrations,
		timeline: items,
		timeline_truncated: truncated,
	};
}

function brief(d: DeliveryListItem, now: number): DeliveryBrief {
	return {
		id: d.id,
		action: d.action,
		status: d.status,
		attempts: d.attempts,
		next_attempt_at: d.next_attempt_at,
		last_error: d.last_error,
		updated_at: d.updated_at,
		summary: `${actionName(d.action)}: ${deliveryState(d, now).label}`,
	};
}

function integration(
	destination: Destination,
	rows: CustomerDetailRows,
	options: { now: number; configured: Record<Destination, boolean> },
): Integration {
	const { now } = options;
	const mine = rows.unsettled.filter((d) => d.destination === destination);
	const success = rows.lastSuccess.find((s) => s.destination === destination);
	const dead = mine
		.filter((d) => d.status === "dead")
		.map((d) => brief(d, now));
	const waiting = mine
		.filter((d) => ["pending", "running", "retry_pending"].includes(d.status))
		.map((d) => brief(d, now));
	// A skip explains silence only when nothing went through after it: a CRM sync superseded by an
	// older one still waiting (crm-sync-policy.ts) is followed by that one's success.
	const newestSkipped = mine.find(
		(d) =>
			d.status === "skipped" &&
			(!success ||
				(d.id > success.id &&
					(success.succeeded_at === null ||
						d.updated_at > success.succeeded_at))),
	);
	const counts: Partial<Record<DeliveryStatus, number>> = {};
	for (const c of rows.deliveryCounts)
		if (c.destination === destination) counts[c.status] = c.n;
	const base = {
		destination,
		name: DESTINATION_NAMES[destination],
		configured: options.configured[destination],
		last_success: success
			? {
					delivery_id: success.id,
					action: success.action,
					external_ref: success.external_ref,
					at: success.succeeded_at,
				}
			: null,
		waiting,
		dead,
		skipped: newestSkipped ? brief(newestSkipped, now) : null,
		counts,
	};
	const first = dead[0];
	if (first)
		return {
			...base,
			state: "dead",
			tone: "bad",
			summary: `dead${dead.length > 1 ? ` (${dead.length} deliveries)` : ""}: ${first.last_error ?? "no error recorded"}`,
		};
	const retrying = waiting.find((d) => d.status === "retry_pending");
	if (retrying)
		return {
			...base,
			state: "retrying",
			tone: "wait",
			summary: retrying.summary,
		};
	const queued = waiting[0];
	if (queued)
		return { ...base, state: "pending", tone: "wait", summary: queued.summary };
	if (newestSkipped)
		return {
			...base,
			state: "skipped",
			tone: "muted",
			summary: `skipped: ${newestSkipped.last_error ?? "nothing to send"}`,
		};
	if (success)
		return {
			...base,
			state: "ok",
			tone: "ok",
			summary: successText(success, now),
		};
	return { ...base, state: "none", tone: "muted", summary: "nothing sent yet" };
}

function successText(s: LastSuccess, now: number): string {
	const when = s.succeeded_at ? ` ${ago(s.succeeded_at, now)}` : "";
	const ref = s.external_ref
		? ` — ${describeRef(s.destination, s.action, s.external_ref)}`
		: "";
	return `${doneWord(s)}${when}${ref}`;
}

const PAYMENT_WORDS: Readonly<Record<string, string>> = {
	paid: "paid",
	failed: "payment failed",
	refunded: "refunded",
	disputed: "disputed",
};

/** An open ticket the helpdesk has no id for yet: say why, from what its deliveries did. */
function ticketWords(state: IntegrationState | undefined): string {
	if (state === "pending" || state === "retrying")
		return "ticket open (being created)";
	if (state === "dead") return "ticket not created (Zendesk dead)";
	if (state === "skipped") return "ticket not sent (Zendesk skipped)";
	return "ticket open (not in Zendesk)";
}

/** The sentence support reads first: money, then what each tool knows. */
function headline(
	rows: CustomerDetailRows,
	integrations: Integration[],
	now: number,
): string {
	const c = rows.customer;
	const parts: string[] = [
		c.last_payment_status
			? (PAYMENT_WORDS[c.last_payment_status] ?? c.last_payment_status)
			: (c.plan_status ?? "no payment yet"),
	];
	const crm = integrations.find((i) => i.destination === "hubspot");
	if (crm && crm.state !== "none")
		parts.push(
			crm.state === "ok"
				? `CRM synced${crm.last_success?.at ? ` ${ago(crm.last_success.at, now)}` : ""}`
				: crm.state === "dead"
					? "CRM sync dead"
					: crm.state === "skipped"
						? "CRM sync skipped"
						: "CRM sync queued",
		);
	const helpdesk = integrations.find((i) => i.destination === "zendesk");
	for (const t of rows.tickets.filter((t) => t.status === "open"))
		parts.push(
			t.external_ref
				? `ticket #${t.external_ref} open`
				: ticketWords(helpdesk?.state),
		);
	const slack = integrations.find((i) => i.destination === "slack");
	if (slack && slack.state !== "none")
		parts.push(
			slack.state === "ok"
				? "Slack sent"
				: slack.state === "dead"
					? "Slack dead"
					: slack.state === "skipped"
						? "Slack skipped"
						: "Slack queued",
		);
	return parts.join(" — ");
}
