/**
 * Subscriptions: Stripe's own status events are authoritative; payment events only say "paid at" and
 * "failed at". The status a person sees (`effectiveStatus`) is derived from both, so it is the same
 * whichever order the events arrived in.
 */
import type { SubscriptionFacts } from "../core/index.ts";
import { latest, maxDate, type Register } from "./registers.ts";

/**
 * Same-second precedence for one subscription (stripe/sync-engine#268 loses these ties):
 * canceled beats past_due beats active beats trialing beats incomplete.
 */
const STATUS_PRECEDENCE: Readonly<Record<string, number>> = {
	incomplete: 0,
	trialing: 1,
	active: 2,
	past_due: 3,
	paused: 4,
	unpaid: 4,
	incomplete_expired: 5,
	canceled: 6,
};

export interface SubscriptionStatus {
	status: string;
	cancelAtPeriodEnd?: boolean | undefined;
}

export interface SubscriptionState {
	ref: string;
	status?: Register<SubscriptionStatus> | undefined;
	plan?: Register<{ plan: string; priceId?: string | undefined }> | undefined;
	currentPeriodEnd?: Date | undefined;
	lastPaidAt?: Date | undefined;
	lastFailedAt?: Date | undefined;
}

const precedence = (value: SubscriptionStatus) =>
	STATUS_PRECEDENCE[value.status] ?? 0;

export function mergeSubscriptions(
	a: SubscriptionState,
	b: SubscriptionState,
): SubscriptionState {
	return {
		ref: a.ref,
		status: latest(a.status, b.status, precedence),
		plan: latest(a.plan, b.plan),
		currentPeriodEnd: maxDate(a.currentPeriodEnd, b.currentPeriodEnd),
		lastPaidAt: maxDate(a.lastPaidAt, b.lastPaidAt),
		lastFailedAt: maxDate(a.lastFailedAt, b.lastFailedAt),
	};
}

/** What a customer.subscription.* event says. */
export function subscriptionObservation(
	facts: SubscriptionFacts,
	at: Date,
): SubscriptionState {
	return {
		ref: facts.id,
		status: {
			value: {
				status: facts.status,
				cancelAtPeriodEnd: facts.cancel_at_period_end,
			},
			at,
		},
		plan: facts.plan
			? { value: { plan: facts.plan, priceId: facts.price_id }, at }
			: undefined,
		currentPeriodEnd: facts.current_period_end
			? new Date(facts.current_period_end)
			: undefined,
	};
}

/** What a payment event says about its subscription. */
export function paymentSignal(
	ref: string,
	outcome: "paid" | "failed",
	at: Date,
	plan?: string,
): SubscriptionState {
	return {
		ref,
		lastPaidAt: outcome === "paid" ? at : undefined,
		lastFailedAt: outcome === "failed" ? at : undefined,
		plan: plan ? { value: { plan }, at } : undefined,
	};
}

const ENDED = new Set(["canceled", "incomplete_expired"]);
const UNPAID = new Set(["past_due", "unpaid", "incomplete"]);

/**
 * A newer paid invoice recovers a past_due subscription; a newer failure makes an active one past_due;
 * nothing revives a canceled one. Without any status event yet, the payments alone decide.
 */
export function effectiveStatus(sub: SubscriptionState): string | undefined {
	const base = sub.status?.value.status;
	const paid = sub.lastPaidAt?.getTime() ?? Number.NEGATIVE_INFINITY;
	const failed = sub.lastFailedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
	if (base === undefined) {
		if (sub.lastPaidAt || sub.lastFailedAt)
			return paid >= failed ? "active" : "past_due";
		return undefined;
	}
	if (ENDED.has(base)) return base;
	const since = sub.status?.at.getTime() ?? Number.NEGATIVE_INFINITY;
	if (UNPAID.has(base) && paid > since && paid >= failed) return "active";
	if (
		(base === "active" || base === "trialing") &&
		failed > since &&
		failed > paid
	)
		return "past_due";
	return base;
}

const LIVE_RANK: Readonly<Record<string, number>> = {
	active: 3,
	trialing: 3,
	past_due: 2,
	unpaid: 2,
	paused: 2,
	incomplete: 1,
};

/** The subscription that defines the customer's plan: a live one over an ended one, then the latest. */
export function primarySubscription(
	subs: readonly SubscriptionState[],
): SubscriptionState | undefined {
	let best: SubscriptionState | undefined;
	for (const sub of subs) {
		if (!best) {
			best = sub;
			continue;
		}
		const rank = LIVE_RANK[effectiveStatus(sub) ?? ""] ?? 0;
		const bestRank = LIVE_RANK[effectiveStatus(best) ?? ""] ?? 0;
		if (rank !== bestRank) {
			if (rank > bestRank) best = sub;
			continue;
		}
		const at = lastChange(sub);
		const bestAt = lastChange(best);
		if (at > bestAt || (at === bestAt && sub.ref > best.ref)) best = sub;
	}
	return best;
}

function lastChange(sub: SubscriptionState): number {
	return Math.max(
		sub.status?.at.getTime() ?? 0,
		sub.plan?.at.getTime() ?? 0,
		sub.lastPaidAt?.getTime() ?? 0,
		sub.lastFailedAt?.getTime() ?? 0,
	);
}

export function isLive(status: string | undefined): boolean {
	return status !== undefined && (LIVE_RANK[status] ?? 0) >= 2;
}
