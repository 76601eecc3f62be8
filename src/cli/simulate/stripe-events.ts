/**
 * Current-shape Stripe events for `plumb simulate`, generated in code: the contracts
 * (../shared/contracts/stripe/objects, Stripe's own example objects) are not shipped, so each object
 * here carries the fields Plumb reads plus the identity fields every Stripe object has, with the
 * names and JSON types of those examples (stripe-events.test.ts holds them to it).
 */
import { STRIPE_API_VERSION } from "../../stripe/index.ts";

type StripeObject = Record<string, unknown>;

export interface StripeEvent {
	id: string;
	object: "event";
	api_version: string;
	created: number;
	data: { object: StripeObject };
	livemode: false;
	pending_webhooks: number;
	request: { id: null; idempotency_key: null };
	type: string;
}

/** Who pays: a Stripe customer with an e-mail and a name (and the app's user id, when known). */
export interface SimCustomer {
	id: string;
	email: string;
	name: string;
}

/** The ids of one payment's objects, unique per run so a second run adds rather than repeats. */
export interface SimPayment {
	intent: string;
	charge: string;
	amount: number;
	currency: string;
}

function base(kind: string, id: string, created: number): StripeObject {
	return { id, object: kind, created, livemode: false, metadata: {} };
}

/** A Checkout Session in payment mode, paid at once (cards). */
export function checkoutCompleted(
	customer: SimCustomer,
	payment: SimPayment,
	session: string,
	created: number,
): StripeObject {
	return {
		...base("checkout.session", session, created),
		mode: "payment",
		status: "complete",
		payment_status: "paid",
		customer: customer.id,
		customer_details: {
			email: customer.email,
			name: customer.name,
			phone: null,
		},
		payment_intent: payment.intent,
		amount_total: payment.amount,
		currency: payment.currency,
		invoice: null,
		subscription: null,
	};
}

/** A PaymentIntent that succeeded or failed; the current shape names its charge in `latest_charge`. */
export function paymentIntent(
	customer: SimCustomer,
	payment: SimPayment,
	created: number,
	failure?: string,
): StripeObject {
	return {
		...base("payment_intent", payment.intent, created),
		customer: customer.id,
		amount: payment.amount,
		amount_received: failure ? 0 : payment.amount,
		currency: payment.currency,
		status: failure ? "requires_payment_method" : "succeeded",
		latest_charge: payment.charge,
		receipt_email: customer.email,
		last_payment_error: failure
			? { type: "card_error", code: "card_declined", message: failure }
			: null,
	};
}

/** A charge with `refunded` cents given back so far (the running total). */
export function refundedCharge(
	customer: SimCustomer,
	payment: SimPayment,
	refunded: number,
	created: number,
): StripeObject {
	return {
		...base("charge", payment.charge, created),
		customer: customer.id,
		payment_intent: payment.intent,
		amount: payment.amount,
		amount_captured: payment.amount,
		amount_refunded: refunded,
		refunded: refunded >= payment.amount,
		paid: true,
		status: "succeeded",
		currency: payment.currency,
		billing_details: { email: customer.email, name: customer.name },
	};
}

export function dispute(
	payment: SimPayment,
	id: string,
	status: "needs_response" | "lost" | "won",
	created: number,
): StripeObject {
	return {
		...base("dispute", id, created),
		charge: payment.charge,
		payment_intent: payment.intent,
		amount: payment.amount,
		currency: payment.currency,
		reason: "fraudulent",
		status,
	};
}

/** A subscription with one item whose price has a lookup key (the plan Plumb shows). */
export function subscription(
	customer: SimCustomer,
	id: string,
	plan: { price: string; lookupKey: string; amount: number },
	created: number,
): StripeObject {
	const periodEnd = created + 30 * 24 * 3600;
	return {
		...base("subscription", id, created),
		customer: customer.id,
		status: "active",
		currency: "usd",
		cancel_at_period_end: false,
		items: {
			object: "list",
			data: [
				{
					id: `si_${id.slice(4)}`,
					object: "subscription_item",
					current_period_start: created,
					current_period_end: periodEnd,
					price: {
						id: plan.price,
						object: "price",
						lookup_key: plan.lookupKey,
						unit_amount: plan.amount,
						currency: "usd",
					},
				},
			],
		},
	};
}

/** An invoice of a subscription; `attempt` counts the charge attempts so far (a retry is attempt 2). */
export function subscriptionInvoice(
	customer: SimCustomer,
	invoice: { id: string; subscription: string; amount: number },
	outcome: { paid: boolean; attempt: number },
	created: number,
): StripeObject {
	return {
		...base("invoice", invoice.id, created),
		customer: customer.id,
		customer_email: customer.email,
		customer_name: customer.name,
		status: outcome.paid ? "paid" : "open",
		amount_due: invoice.amount,
		amount_paid: outcome.paid ? invoice.amount : 0,
		amount_remaining: outcome.paid ? 0 : invoice.amount,
		attempt_count: outcome.attempt,
		attempted: true,
		currency: "usd",
		billing_reason: "subscription_cycle",
		// Basil onward the subscription is named under `parent`, no longer at the top.
		parent: {
			quote_details: null,
			subscription_details: {
				metadata: null,
				subscription: invoice.subscription,
			},
			type: "subscription_details",
		},
	};
}

/** The InvoicePayment that ties an invoice to its PaymentIntent (the current shape's only link). */
export function invoicePayment(
	id: string,
	invoice: string,
	payment: SimPayment,
	created: number,
): StripeObject {
	return {
		id,
		object: "invoice_payment",
		created,
		livemode: false,
		invoice,
		amount_paid: payment.amount,
		amount_requested: payment.amount,
		currency: payment.currency,
		status: "paid",
		is_default: true,
		// `payment_intent` is the expandable link stripe-node documents on InvoicePayment.Payment.
		payment: { type: "payment_intent", payment_intent: payment.intent },
	};
}

/** The envelope Stripe sends, rendered in the API version Plumb reads today. */
export function stripeEvent(
	id: string,
	type: string,
	object: StripeObject,
	created: number,
): StripeEvent {
	return {
		id,
		object: "event",
		api_version: STRIPE_API_VERSION,
		created,
		data: { object },
		livemode: false,
		pending_webhooks: 1,
		request: { id: null, idempotency_key: null },
		type,
	};
}
