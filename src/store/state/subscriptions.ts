/** Subscriptions: one row per provider subscription, holding the registers the rules merge. */
import type { SubscriptionState } from "../../rules/index.ts";

export interface SubscriptionRow {
	provider_ref: string;
	status: string | null;
	status_as_of: Date | null;
	cancel_at_period_end: boolean | null;
	plan: string | null;
	price_id: string | null;
	plan_as_of: Date | null;
	current_period_end: Date | null;
	last_paid_at: Date | null;
	last_failed_at: Date | null;
}

/** A subscriptions row as the rules see it: registers. */
export function subscriptionFromRow(row: SubscriptionRow): SubscriptionState {
	return {
		ref: row.provider_ref,
		status:
			row.status && row.status_as_of
				? {
						value: {
							status: row.status,
							cancelAtPeriodEnd: row.cancel_at_period_end ?? undefined,
						},
						at: row.status_as_of,
					}
				: undefined,
		plan:
			row.plan && row.plan_as_of
				? {
						value: { plan: row.plan, priceId: row.price_id ?? undefined },
						at: row.plan_as_of,
					}
				: undefined,
		currentPeriodEnd: row.current_period_end ?? undefined,
		lastPaidAt: row.last_paid_at ?? undefined,
		lastFailedAt: row.last_failed_at ?? undefined,
	};
}
