/** Payments and their references: one row per payment, found by any of its provider ids. */
import type { PaymentState } from "../../rules/index.ts";

export interface PaymentRow {
	id: string;
	customer_id: string | null;
	status: PaymentState["status"];
	amount: number | null;
	currency: string | null;
	amount_refunded: number;
	plan: string | null;
	subscription_ref: string | null;
	dispute_ref: string | null;
	dispute_reason: string | null;
	first_seen_at: Date;
	status_as_of: Date;
	refs: string[];
}

export interface StoredPayment {
	id: string;
	customerId: string | null;
	state: PaymentState;
}

/** A payments row (with its references) as the rules see it. */
export function paymentFromRow(row: PaymentRow): StoredPayment {
	return {
		id: row.id,
		customerId: row.customer_id,
		state: {
			refs: row.refs,
			status: row.status,
			statusAt: row.status_as_of,
			firstSeenAt: row.first_seen_at,
			amount: row.amount ?? undefined,
			currency: row.currency ?? undefined,
			amountRefunded: row.amount_refunded,
			plan: row.plan ?? undefined,
			subscriptionRef: row.subscription_ref ?? undefined,
			disputeRef: row.dispute_ref ?? undefined,
			disputeReason: row.dispute_reason ?? undefined,
		},
	};
}
