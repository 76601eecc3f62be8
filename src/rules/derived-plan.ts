/** The plan, status and tier a customer shows: billing owns them, so only billing events change them. */
import type { EventType } from "../core/index.ts";
import type { CustomerFields } from "./customer.ts";
import { planName, tierFor } from "./plans.ts";
import {
	effectiveStatus,
	isLive,
	primarySubscription,
	type SubscriptionState,
} from "./subscription.ts";
import type { DerivedPlan, RuleInput } from "./types.ts";

/** The event types that can change which plan wins: payments, subscriptions, refunds and disputes. */
const PLAN_TYPES = new Set<EventType>([
	"payment_succeeded",
	"payment_failed",
	"subscription_updated",
	"subscription_canceled",
	"refund_issued",
	"dispute_opened",
]);

/**
 * True when the stored plan, status and tier stand: the event is not about billing and merges no
 * records (a merge brings the other record's subscriptions, so the plan is derived again).
 */
export function keepsDerivedPlan(type: EventType, merging: boolean): boolean {
	return !merging && !PLAN_TYPES.has(type);
}

/** The plan, status and tier the customer shows, derived from their subscriptions (billing owns them). */
export function derivePlan(
	input: Pick<RuleInput, "plans">,
	subscriptions: readonly SubscriptionState[],
	fields: CustomerFields,
): DerivedPlan {
	const primary = primarySubscription(subscriptions);
	if (!primary) {
		const last = fields.lastPayment?.value;
		const planStatus =
			last === "paid" ? "active" : last === "failed" ? "past_due" : undefined;
		return {
			planStatus,
			planAsOf: planStatus ? fields.lastPayment?.at : undefined,
			tier: "free",
		};
	}
	const status = effectiveStatus(primary);
	const raw = primary.plan?.value;
	return {
		plan: planName(input.plans, raw?.plan, raw?.priceId),
		planStatus: status,
		planAsOf: primary.status?.at ?? primary.plan?.at,
		tier: tierFor(input.plans, isLive(status), raw?.plan, raw?.priceId),
	};
}
