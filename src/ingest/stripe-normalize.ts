/**
 * Stripe event → canonical event. Pure: no I/O. Copes with both object shapes Stripe sends (which
 * version sends which: stripe-api-versions.ts): older pinned API versions (invoice.payment_intent /
 * .charge / .subscription, charge.invoice, subscription.plan and period) and basil onward
 * (invoice.parent.subscription_details, invoice payments, line pricing.price_details, item periods).
 * Fields are read wherever either shape puts them, so an event without a version, or with one newer
 * than Plumb knows, still yields the facts it carries.
 */
import type {
	EventData,
	EventType,
	PaymentFacts,
	SubscriptionFacts,
} from "../core/index.ts";
import { storableDate } from "../http/index.ts";
import {
	type StripeShape,
	type StripeVersionInfo,
	stripeVersionInfo,
} from "./stripe-api-versions.ts";
import {
	idOf,
	integer,
	list,
	record,
	text,
	unique,
	withoutUndefined,
} from "./stripe-fields.ts";

/** The Stripe envelope fields we rely on; `ingest/stripe.ts` validates them before calling here. */
export interface StripeEnvelope {
	id: string;
	type: string;
	created: number;
	livemode?: boolean | undefined;
	/** The API version the payload was rendered in; absent or null when the sender did not say. */
	api_version?: string | null | undefined;
	data: { object: Record<string, unknown> };
}

/**
 * Every Stripe type Plumb acts on and the canonical event it becomes: PRODUCT §2 plus the types a
 * founder subscribes to today (the README's table; departures from PRODUCT are listed there).
 */
const TYPE_MAP: Readonly<Record<string, EventType>> = {
	"checkout.session.completed": "payment_succeeded",
	"checkout.session.async_payment_succeeded": "payment_succeeded",
	"checkout.session.async_payment_failed": "payment_failed",
	"invoice.paid": "payment_succeeded",
	"invoice.payment_succeeded": "payment_succeeded",
	// Basil onward, the one event that ties an invoice to its PaymentIntent and charge.
	"invoice_payment.paid": "payment_succeeded",
	"invoice.payment_failed": "payment_failed",
	// The attempt needs the customer to authenticate (3-D Secure): a failed attempt until they do.
	"invoice.payment_action_required": "payment_failed",
	"payment_intent.succeeded": "payment_succeeded",
	"payment_intent.payment_failed": "payment_failed",
	"customer.created": "customer_updated",
	"customer.updated": "customer_updated",
	"customer.deleted": "customer_deleted",
	"customer.subscription.created": "subscription_updated",
	"customer.subscription.updated": "subscription_updated",
	"customer.subscription.paused": "subscription_updated",
	"customer.subscription.resumed": "subscription_updated",
	"customer.subscription.trial_will_end": "subscription_updated",
	"customer.subscription.deleted": "subscription_canceled",
	"charge.refunded": "refund_issued",
	"refund.created": "refund_issued",
	"refund.updated": "refund_issued",
	"charge.dispute.created": "dispute_opened",
	"charge.dispute.updated": "dispute_opened",
	"charge.dispute.closed": "dispute_closed",
};

/** Dispute statuses after which Stripe changes nothing more (`prevented` from 2025-09-30.clover). */
const CLOSED_DISPUTE_STATUSES = new Set([
	"won",
	"lost",
	"warning_closed",
	"prevented",
]);

/** Metadata keys apps commonly use to carry their own user id through Stripe. */
const APP_USER_ID_KEYS = [
	"app_user_id",
	"user_id",
	"supabase_user_id",
	"userId",
] as const;

export function stripeEventType(stripeType: string): EventType {
	return TYPE_MAP[stripeType] ?? "ignored";
}

/** Every Stripe type Plumb acts on (for the README table test and, later, webhook endpoint setup). */
export const STRIPE_EVENT_TYPES: readonly string[] = Object.keys(TYPE_MAP);

/**
 * The canonical type this very event becomes, or why it is ignored: the type map, then what the
 * object's own state says (a checkout not yet paid, a refund not yet through, a dispute already over).
 */
function classify(
	stripeType: string,
	object: Record<string, unknown>,
): { type: EventType; ignoredReason?: string } {
	const type = stripeEventType(stripeType);
	if (type === "ignored")
		return {
			type,
			ignoredReason: `Plumb does not act on ${stripeType} events`,
		};
	const kind = text(object, "object");
	const status = text(object, "status");
	// A completed Checkout whose money has not arrived yet (bank debits) is not a payment:
	// Stripe sends checkout.session.async_payment_succeeded when it is.
	if (
		kind === "checkout.session" &&
		type === "payment_succeeded" &&
		text(object, "payment_status") !== "paid"
	)
		return {
			type: "ignored",
			ignoredReason: `checkout session payment_status is ${text(object, "payment_status") ?? "missing"}, not paid; the payment counts when checkout.session.async_payment_succeeded arrives`,
		};
	// A Refund object is money back only once it has gone through.
	if (kind === "refund" && status !== "succeeded")
		return {
			type: "ignored",
			ignoredReason: `refund status is ${status ?? "missing"}; a refund counts once it has succeeded`,
		};
	if (
		type === "dispute_opened" &&
		status &&
		CLOSED_DISPUTE_STATUSES.has(status)
	)
		return { type: "dispute_closed" };
	return { type };
}

export function normalizeStripeEvent(event: StripeEnvelope): {
	type: EventType;
	occurredAt: Date;
	data: EventData;
	/** The envelope's API version and the shape it was read with. */
	version: StripeVersionInfo;
} {
	const version = stripeVersionInfo(event.api_version);
	const object = event.data.object;
	const { type, ignoredReason } = classify(event.type, object);
	const data: EventData = {
		provider: {
			event_type: event.type,
			object_id: text(object, "id"),
			livemode: event.livemode,
			ignored_reason: ignoredReason,
		},
		customer:
			type === "customer_deleted"
				? { stripe_customer_id: text(object, "id") }
				: customerFacts(object),
	};
	if (type === "payment_succeeded" || type === "payment_failed") {
		data.payment = paymentFacts(
			object,
			type === "payment_failed",
			event.type === "invoice.payment_action_required",
		);
	} else if (
		type === "subscription_updated" ||
		type === "subscription_canceled"
	) {
		data.subscription = subscriptionFacts(object, version.shape);
	} else if (type === "refund_issued") {
		data.refund =
			text(object, "object") === "refund"
				? {
						// One Refund: its own amount, not the charge's total refunded nor the payment's amount.
						refs: refsOf(object, ["id", "charge", "payment_intent"]),
						amount_refunded: integer(object, "amount") ?? 0,
						currency: text(object, "currency"),
						fully_refunded: false,
					}
				: {
						// A charge (legacy charges also name their invoice): the running total refunded.
						refs: refsOf(object, ["id", "payment_intent", "invoice"]),
						amount_refunded: integer(object, "amount_refunded") ?? 0,
						amount: integer(object, "amount"),
						currency: text(object, "currency"),
						fully_refunded: object.refunded === true,
					};
	} else if (type === "dispute_opened" || type === "dispute_closed") {
		data.dispute = {
			id: text(object, "id") ?? event.id,
			refs: refsOf(object, ["charge", "payment_intent"]),
			amount: integer(object, "amount"),
			currency: text(object, "currency"),
			reason: text(object, "reason"),
			status: text(object, "status"),
		};
	}
	return {
		type,
		occurredAt: new Date(event.created * 1000),
		data: withoutUndefined(data),
		version,
	};
}

function customerFacts(object: Record<string, unknown>): EventData["customer"] {
	// A Customer object is the customer itself; every other object names one under `customer`.
	if (text(object, "object") === "customer")
		return {
			stripe_customer_id: text(object, "id"),
			email: text(object, "email"),
			name: text(object, "name"),
			phone: text(object, "phone"),
			app_user_id: appUserIdFromMetadata(object),
		};
	const details = record(object, "customer_details");
	const billing = record(object, "billing_details");
	return {
		stripe_customer_id: idOf(object, "customer"),
		email:
			text(details, "email") ??
			text(object, "customer_email") ??
			text(billing, "email") ??
			text(object, "receipt_email"),
		name:
			text(details, "name") ??
			text(object, "customer_name") ??
			text(billing, "name"),
		phone:
			text(details, "phone") ??
			text(object, "customer_phone") ??
			text(billing, "phone"),
		app_user_id:
			text(object, "client_reference_id") ?? appUserIdFromMetadata(object),
	};
}

function appUserIdFromMetadata(
	object: Record<string, unknown>,
): string | undefined {
	const sources = [
		record(object, "metadata"),
		record(
			record(record(object, "parent"), "subscription_details"),
			"metadata",
		),
	];
	for (const metadata of sources) {
		for (const key of APP_USER_ID_KEYS) {
			const value = text(metadata, key);
			if (value) return value;
		}
	}
	return undefined;
}

function paymentFacts(
	object: Record<string, unknown>,
	failed: boolean,
	actionRequired = false,
): PaymentFacts {
	const kind = text(object, "object");
	const lastError = record(object, "last_payment_error");
	const charges = list(record(object, "charges"), "data");
	const invoicePayments = list(record(object, "payments"), "data");
	// An InvoicePayment (basil onward) names its PaymentIntent or charge under `payment`.
	const paidWith =
		kind === "invoice_payment" ? record(object, "payment") : undefined;
	const refs = [
		...refsOf(object, [
			"id",
			"payment_intent",
			"invoice",
			"charge",
			"latest_charge",
		]),
		...charges.map((charge) => text(charge, "id")),
		idOf(paidWith, "payment_intent"),
		idOf(paidWith, "charge"),
		// Current API versions link an invoice to its PaymentIntent only through `payments` (when expanded).
		...invoicePayments.flatMap((payment) => [
			idOf(record(payment, "payment"), "payment_intent"),
			idOf(record(payment, "payment"), "charge"),
		]),
	].filter((ref): ref is string => ref !== undefined);
	const chargeRef =
		idOf(lastError, "charge") ??
		idOf(object, "latest_charge") ??
		idOf(object, "charge") ??
		idOf(paidWith, "charge");
	const attempt = integer(object, "attempt_count");
	const amount =
		kind === "invoice"
			? integer(object, failed ? "amount_due" : "amount_paid")
			: kind === "payment_intent"
				? integer(object, failed ? "amount" : "amount_received")
				: kind === "invoice_payment"
					? (integer(object, "amount_paid") ??
						integer(object, "amount_requested"))
					: integer(object, "amount_total");
	return {
		refs: unique(refs),
		attempt_ref:
			chargeRef ??
			(kind === "invoice" && attempt !== undefined
				? `${text(object, "id")}#${attempt}`
				: undefined),
		amount,
		currency: text(object, "currency"),
		subscription_id: subscriptionIdOf(object),
		plan:
			kind === "invoice"
				? planOf(firstPrice(list(record(object, "lines"), "data")[0]))
				: undefined,
		failure_reason: failed
			? (text(lastError, "message") ??
				(actionRequired
					? "the customer must authenticate the payment (3-D Secure)"
					: undefined) ??
				text(lastError, "decline_code") ??
				text(lastError, "code") ??
				failureFallback(kind, attempt))
			: undefined,
	};
}

function failureFallback(
	kind: string | undefined,
	attempt: number | undefined,
): string {
	return kind === "invoice" && attempt !== undefined
		? `invoice payment attempt ${attempt} failed`
		: "payment failed";
}

function subscriptionFacts(
	object: Record<string, unknown>,
	shape: StripeShape,
): SubscriptionFacts {
	const item = list(record(object, "items"), "data")[0];
	const price = firstPrice(item) ?? record(object, "plan");
	// Basil moved the period from the subscription to its items; each shape reads its own home first.
	const periodEnd =
		shape === "legacy"
			? (integer(object, "current_period_end") ??
				integer(item, "current_period_end"))
			: (integer(item, "current_period_end") ??
				integer(object, "current_period_end"));
	return {
		id: text(object, "id") ?? "unknown",
		status: text(object, "status") ?? "unknown",
		plan: planOf(price),
		price_id: text(price, "id"),
		cancel_at_period_end:
			typeof object.cancel_at_period_end === "boolean"
				? object.cancel_at_period_end
				: undefined,
		// A period end outside years 1–9999 is read as unknown, like one of the wrong type.
		current_period_end:
			periodEnd === undefined
				? undefined
				: storableDate(periodEnd * 1000)?.toISOString(),
	};
}

/** A subscription item or invoice line's price, in either API shape. */
function firstPrice(
	line: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
	const price = line?.price;
	if (typeof price === "object" && price !== null)
		return price as Record<string, unknown>;
	const plan = line?.plan;
	if (typeof plan === "object" && plan !== null)
		return plan as Record<string, unknown>;
	const priceId = text(
		record(record(line, "pricing"), "price_details"),
		"price",
	);
	return priceId ? { id: priceId } : undefined;
}

/** PRODUCT §5: the plan is the price's lookup_key or nickname when it has one, else the price id. */
function planOf(
	price: Record<string, unknown> | undefined,
): string | undefined {
	return (
		text(price, "lookup_key") ?? text(price, "nickname") ?? text(price, "id")
	);
}

function subscriptionIdOf(object: Record<string, unknown>): string | undefined {
	return (
		idOf(object, "subscription") ??
		text(
			record(record(object, "parent"), "subscription_details"),
			"subscription",
		)
	);
}

function refsOf(
	object: Record<string, unknown>,
	keys: readonly string[],
): string[] {
	return unique(
		keys
			.map((key) => idOf(object, key))
			.filter((ref): ref is string => ref !== undefined),
	);
}
