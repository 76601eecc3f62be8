/**
 * PayPal webhook event → canonical event. Pure: no I/O. Shapes from PayPal's captured deliveries and
 * OpenAPI specs (paypal/NOTES.md): captures and refunds (Payments v2) carry amounts as decimal strings;
 * subscriptions (Subscriptions v1) carry `status`, `plan_id`, `subscriber`, `billing_info` and the
 * merchant's `custom_id`, which Plumb reads as the app user id (docs/paypal.md asks apps to set it).
 * No dispute delivery was captured: CUSTOMER.DISPUTE.CREATED's resource is read by the `dispute` schema of
 * PayPal's Customer Disputes v1 spec (paypal/paypal-rest-api-specifications, openapi/customer_disputes_v1.json
 * at fb6f126): `dispute_id`, `disputed_transactions[].seller_transaction_id` (the capture), `dispute_amount`,
 * `reason`, `status`.
 */
import type {
	CustomerFacts,
	EventData,
	EventType,
	SubscriptionFacts,
} from "../core/index.ts";
import { storableDate } from "../http/index.ts";
import { toMinorUnits } from "./minor-units.ts";
import { list, record, text, withoutUndefined } from "./stripe-fields.ts";

/** The envelope fields paypal.ts checked. */
export interface PaypalEnvelope {
	id: string;
	event_type: string;
	create_time?: string | undefined;
	resource: Record<string, unknown>;
}

const TYPE_MAP: Readonly<Record<string, EventType>> = {
	"PAYMENT.CAPTURE.COMPLETED": "payment_succeeded",
	"PAYMENT.CAPTURE.PENDING": "ignored",
	"PAYMENT.CAPTURE.DENIED": "payment_failed",
	"PAYMENT.CAPTURE.REFUNDED": "refund_issued",
	"BILLING.SUBSCRIPTION.CREATED": "subscription_updated",
	"BILLING.SUBSCRIPTION.ACTIVATED": "subscription_updated",
	"BILLING.SUBSCRIPTION.UPDATED": "subscription_updated",
	"BILLING.SUBSCRIPTION.RE-ACTIVATED": "subscription_updated",
	"BILLING.SUBSCRIPTION.SUSPENDED": "subscription_updated",
	"BILLING.SUBSCRIPTION.CANCELLED": "subscription_canceled",
	"BILLING.SUBSCRIPTION.EXPIRED": "subscription_canceled",
	"BILLING.SUBSCRIPTION.PAYMENT.FAILED": "payment_failed",
	"CUSTOMER.DISPUTE.CREATED": "dispute_opened",
};

/** Every PayPal type Plumb handles (docs/paypal.md lists them; PENDING is stored as ignored, on purpose). */
export const PAYPAL_EVENT_TYPES: readonly string[] = Object.keys(TYPE_MAP);

/** Subscriptions v1 statuses → the subscription statuses the rules know (Stripe's words). */
const SUBSCRIPTION_STATUS: Readonly<Record<string, string>> = {
	APPROVAL_PENDING: "incomplete",
	APPROVED: "incomplete",
	ACTIVE: "active",
	SUSPENDED: "paused",
	CANCELLED: "canceled",
	EXPIRED: "canceled",
};

export function normalizePaypalEvent(
	event: PaypalEnvelope,
	receivedAt: Date,
): { type: EventType; occurredAt: Date; data: EventData } {
	const resource = event.resource;
	const mapped = TYPE_MAP[event.event_type];
	const data: EventData = {
		provider: {
			event_type: event.event_type,
			object_id: text(resource, "id"),
			ignored_reason:
				mapped === undefined
					? `Plumb does not act on PayPal ${event.event_type} events`
					: mapped === "ignored"
						? "the capture is pending: the money has not arrived; it counts when PAYMENT.CAPTURE.COMPLETED arrives"
						: undefined,
		},
		customer: customerFacts(resource),
	};
	let type = mapped ?? "ignored";
	const currency = text(record(resource, "amount"), "currency_code");
	const amount = toMinorUnits(
		text(record(resource, "amount"), "value"),
		currency,
	);
	if (
		type === "payment_succeeded" ||
		(type === "payment_failed" &&
			event.event_type.startsWith("PAYMENT.CAPTURE"))
	) {
		const capture = text(resource, "id") ?? event.id;
		data.payment = {
			refs: [capture, orderId(resource)].filter(isText),
			attempt_ref: capture,
			amount,
			currency,
			failure_reason:
				type === "payment_failed"
					? (text(record(resource, "status_details"), "reason") ??
						"PayPal denied the capture")
					: undefined,
		};
	} else if (type === "payment_failed") {
		// BILLING.SUBSCRIPTION.PAYMENT.FAILED: the resource is the subscription; each failure has its own time.
		const failed = record(
			record(resource, "billing_info"),
			"last_failed_payment",
		);
		const subscription = text(resource, "id") ?? event.id;
		const attempt = `${subscription}:failed:${text(failed, "time") ?? event.id}`;
		data.payment = {
			refs: [attempt],
			attempt_ref: attempt,
			amount: toMinorUnits(
				text(record(failed, "amount"), "value"),
				text(record(failed, "amount"), "currency_code"),
			),
			currency: text(record(failed, "amount"), "currency_code"),
			subscription_id: subscription,
			plan: text(resource, "plan_id"),
			failure_reason:
				text(failed, "reason_code") ??
				"PayPal could not collect the subscription payment",
		};
		data.subscription = subscriptionFacts(resource, "past_due");
	} else if (
		type === "subscription_updated" ||
		type === "subscription_canceled"
	) {
		data.subscription = subscriptionFacts(resource);
	} else if (type === "refund_issued") {
		const breakdown = record(resource, "seller_payable_breakdown");
		const total = record(breakdown, "total_refunded_amount");
		const refs = [capturedBy(resource), text(resource, "id")].filter(isText);
		if (refs.length === 0 && data.provider) {
			// Nothing names the payment: there is nothing to mark refunded.
			type = "ignored";
			data.provider.ignored_reason =
				"the refund names neither itself nor its capture";
		} else
			data.refund = {
				refs,
				// The running total refunded on the capture when PayPal states it, else this refund's amount.
				amount_refunded:
					toMinorUnits(text(total, "value"), text(total, "currency_code")) ??
					amount ??
					0,
				currency,
				fully_refunded: false,
			};
	} else if (type === "dispute_opened") {
		const disputed = record(resource, "dispute_amount");
		data.dispute = {
			id: text(resource, "dispute_id") ?? text(resource, "id") ?? event.id,
			refs: list(resource, "disputed_transactions")
				.map((transaction) => text(transaction, "seller_transaction_id"))
				.filter(isText),
			amount: toMinorUnits(
				text(disputed, "value"),
				text(disputed, "currency_code"),
			),
			currency: text(disputed, "currency_code"),
			reason: text(resource, "reason"),
			status: text(resource, "status"),
		};
	}
	return {
		type,
		occurredAt: occurredAt(event, receivedAt),
		data: withoutUndefined(data),
	};
}

function subscriptionFacts(
	resource: Record<string, unknown>,
	status?: string,
): SubscriptionFacts | undefined {
	const id = text(resource, "id");
	if (!id) return undefined;
	const paypalStatus = text(resource, "status");
	const next = text(record(resource, "billing_info"), "next_billing_time");
	return {
		id,
		status:
			status ??
			(paypalStatus && SUBSCRIPTION_STATUS[paypalStatus]) ??
			"unknown",
		plan: text(resource, "plan_id"),
		price_id: text(resource, "plan_id"),
		current_period_end: next
			? storableDate(Date.parse(next))?.toISOString()
			: undefined,
	};
}

function customerFacts(
	resource: Record<string, unknown>,
): CustomerFacts | undefined {
	const subscriber = record(resource, "subscriber");
	const name = record(subscriber, "name");
	const fullName = [text(name, "given_name"), text(name, "surname")]
		.filter(isText)
		.join(" ");
	const facts: CustomerFacts = {
		email: text(subscriber, "email_address"),
		name: fullName || undefined,
		app_user_id: text(resource, "custom_id"),
	};
	return Object.values(facts).some((value) => value !== undefined)
		? facts
		: undefined;
}

/** The order a capture belongs to: `supplementary_data.related_ids.order_id`, else its `up` link. */
function orderId(resource: Record<string, unknown>): string | undefined {
	return (
		text(
			record(record(resource, "supplementary_data"), "related_ids"),
			"order_id",
		) ?? linkedId(resource, /\/v2\/checkout\/orders\/([^/]+)$/)
	);
}

/** A refund names its capture only through its `up` link. */
function capturedBy(resource: Record<string, unknown>): string | undefined {
	return linkedId(resource, /\/v2\/payments\/captures\/([^/]+)$/);
}

function linkedId(
	resource: Record<string, unknown>,
	pattern: RegExp,
): string | undefined {
	for (const link of list(resource, "links")) {
		if (text(link, "rel") !== "up") continue;
		const match = pattern.exec(text(link, "href") ?? "");
		if (match?.[1]) return match[1];
	}
	return undefined;
}

/**
 * PayPal's simulator sends impossible dates ("2018-19-12T…"): then the resource's own times, then the
 * time Plumb received it.
 */
function occurredAt(event: PaypalEnvelope, receivedAt: Date): Date {
	for (const value of [
		event.create_time,
		text(event.resource, "update_time"),
		text(event.resource, "create_time"),
	]) {
		const date =
			value && /^\d{4}-\d{2}-\d{2}T/.test(value)
				? storableDate(Date.parse(value))
				: undefined;
		if (date) return date;
	}
	return receivedAt;
}

function isText(value: string | undefined): value is string {
	return value !== undefined;
}
