/**
 * The Stripe API version Plumb reads and the events it subscribes to: the one home for both, used by
 * `plumb stripe setup` (what to create), `plumb doctor` (what to compare) and reconcile (what to take).
 */

/** Stripe's current API version (README, "Stripe"); a webhook endpoint created by Plumb is pinned to it. */
export const STRIPE_API_VERSION = "2026-07-29.dahlia";

/** Every event type a founder's endpoint should send Plumb (issue 14, item 3). */
export const SUBSCRIBED_EVENT_TYPES = [
	"checkout.session.completed",
	"checkout.session.async_payment_succeeded",
	"checkout.session.async_payment_failed",
	"invoice.paid",
	"invoice.payment_failed",
	"invoice.payment_action_required",
	"invoice_payment.paid",
	"customer.created",
	"customer.updated",
	"customer.deleted",
	"customer.subscription.created",
	"customer.subscription.updated",
	"customer.subscription.deleted",
	"customer.subscription.paused",
	"customer.subscription.resumed",
	"customer.subscription.trial_will_end",
	"charge.refunded",
	"refund.created",
	"refund.updated",
	"charge.dispute.created",
	"charge.dispute.updated",
	"charge.dispute.closed",
	"payment_intent.succeeded",
	"payment_intent.payment_failed",
] as const;

export type SubscribedEventType = (typeof SUBSCRIBED_EVENT_TYPES)[number];

const subscribed: ReadonlySet<string> = new Set(SUBSCRIBED_EVENT_TYPES);

export function isSubscribedEventType(type: string): boolean {
	return subscribed.has(type);
}
