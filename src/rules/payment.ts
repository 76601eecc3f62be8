/**
 * Payments: one per payment reference, however many events describe it. Status only moves forward
 * (failed → succeeded → refunded → disputed → dispute_won | dispute_lost), so any order of the same
 * events ends in the same place. A closed dispute is the last word: won restores the payment (the
 * money stays), lost means it is gone.
 */
import type { EventData, EventType } from "../core/index.ts";

export type PaymentStatus =
	| "failed"
	| "succeeded"
	| "refunded"
	| "disputed"
	| "dispute_won"
	| "dispute_lost";

const STATUS_RANK: Record<PaymentStatus, number> = {
	failed: 0,
	succeeded: 1,
	refunded: 2,
	disputed: 3,
	dispute_won: 4,
	dispute_lost: 5,
};

/**
 * How a closed dispute ended, from Stripe's dispute status: only `lost` takes the money; `won`, and
 * an inquiry closed without a chargeback (`warning_closed`) or one `prevented`, leave it with you.
 */
export function disputeOutcome(
	status: string | undefined,
): "dispute_won" | "dispute_lost" {
	return status === "lost" ? "dispute_lost" : "dispute_won";
}

export interface PaymentState {
	refs: string[];
	status: PaymentStatus;
	/** When the payment first reached its current status (provider time). */
	statusAt: Date;
	firstSeenAt: Date;
	amount?: number | undefined;
	currency?: string | undefined;
	amountRefunded: number;
	plan?: string | undefined;
	subscriptionRef?: string | undefined;
	disputeRef?: string | undefined;
	disputeReason?: string | undefined;
}

function larger<T extends string | number>(
	a: T | undefined,
	b: T | undefined,
): T | undefined {
	if (a === undefined) return b;
	if (b === undefined) return a;
	return a >= b ? a : b;
}

export function mergePayments(a: PaymentState, b: PaymentState): PaymentState {
	const byRank = STATUS_RANK[a.status] - STATUS_RANK[b.status];
	const status = byRank >= 0 ? a.status : b.status;
	const statusAt =
		byRank === 0
			? new Date(Math.min(a.statusAt.getTime(), b.statusAt.getTime()))
			: byRank > 0
				? a.statusAt
				: b.statusAt;
	return {
		refs: [...new Set([...a.refs, ...b.refs])].sort(),
		status,
		statusAt,
		firstSeenAt: new Date(
			Math.min(a.firstSeenAt.getTime(), b.firstSeenAt.getTime()),
		),
		amount: larger(a.amount, b.amount),
		currency: larger(a.currency, b.currency),
		amountRefunded: Math.max(a.amountRefunded, b.amountRefunded),
		plan: larger(a.plan, b.plan),
		subscriptionRef: larger(a.subscriptionRef, b.subscriptionRef),
		disputeRef: larger(a.disputeRef, b.disputeRef),
		disputeReason: larger(a.disputeReason, b.disputeReason),
	};
}

const STATUS_BY_TYPE: Partial<Record<EventType, PaymentStatus>> = {
	payment_succeeded: "succeeded",
	payment_failed: "failed",
	refund_issued: "refunded",
	dispute_opened: "disputed",
};

/** What one event says about a payment; undefined when it names no payment reference. */
export function paymentObservation(
	type: EventType,
	data: EventData,
	at: Date,
): PaymentState | undefined {
	const status =
		type === "dispute_closed"
			? disputeOutcome(data.dispute?.status)
			: STATUS_BY_TYPE[type];
	if (!status) return undefined;
	const refs =
		data.payment?.refs ?? data.refund?.refs ?? data.dispute?.refs ?? [];
	if (refs.length === 0) return undefined;
	return {
		refs: [...new Set(refs)].sort(),
		status,
		statusAt: at,
		firstSeenAt: at,
		amount: data.payment?.amount ?? data.refund?.amount ?? data.dispute?.amount,
		currency:
			data.payment?.currency ?? data.refund?.currency ?? data.dispute?.currency,
		amountRefunded: data.refund?.amount_refunded ?? 0,
		plan: data.payment?.plan,
		subscriptionRef: data.payment?.subscription_id,
		disputeRef: data.dispute?.id,
		disputeReason: data.dispute?.reason,
	};
}

/** The reference a person quotes for this payment: the PaymentIntent, else the invoice, else any. */
export function preferredRef(refs: readonly string[]): string | undefined {
	return (
		refs.find((ref) => ref.startsWith("pi_")) ??
		refs.find((ref) => ref.startsWith("in_")) ??
		refs[0]
	);
}
