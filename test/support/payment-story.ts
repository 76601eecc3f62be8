/**
 * One real $20 subscription payment as Stripe reports it, in either payload shape, built from Stripe's
 * own example objects: the current shape from stripe/objects (openapi/fixtures3.json, HEAD), the
 * legacy one from stripe/events (2020-08-27 envelopes). Only the values of fields those objects already
 * have are changed (ids, links, amounts), with one exception noted where it is made.
 */
import { readFileSync } from "node:fs";
import type { StripeEnvelope } from "../../src/ingest/index.ts";
import { CONTRACTS_DIR } from "./contracts.ts";
import { stripeObject } from "./stripe.ts";

export type Shape = "legacy" | "current";

export const STORY = {
	customer: "cus_story",
	email: "ada@example.com",
	subscription: "sub_story",
	amount: 2000,
	refunded: 500,
	currency: "usd",
} as const;

export const API_VERSION: Record<Shape, string> = {
	legacy: "2020-08-27",
	current: "2026-07-29.dahlia",
};

/** The ids of payment `n`'s objects. */
export function storyIds(n: number) {
	return {
		session: `cs_test_story_${n}`,
		invoice: `in_story_${n}`,
		invoicePayment: `inpay_story_${n}`,
		intent: `pi_story_${n}`,
		charge: `ch_story_${n}`,
		refund: `re_story_${n}`,
		dispute: `dp_story_${n}`,
	};
}

/** Event kinds of one payment's story; `invoice_payment` exists on the current shape only. */
export type StoryKind =
	| "subscription_created"
	| "checkout"
	| "invoice_paid"
	| "invoice_payment"
	| "intent_succeeded"
	| "charge_refunded"
	| "refund_created"
	| "dispute_created"
	| "dispute_closed";

function legacyObject(type: string): Record<string, unknown> {
	const envelope = JSON.parse(
		readFileSync(`${CONTRACTS_DIR}stripe/events/${type}.json`, "utf8"),
	) as { data: { object: Record<string, unknown> } };
	return envelope.data.object;
}

function base(shape: Shape, legacy: string, current: string) {
	return shape === "legacy" ? legacyObject(legacy) : stripeObject(current);
}

/** The Stripe event type and object for one step of payment `n`'s story. */
export function storyObject(
	shape: Shape,
	kind: StoryKind,
	n = 1,
	options: { disputeOutcome?: "won" | "lost" } = {},
): { type: string; object: Record<string, unknown> } {
	const id = storyIds(n);
	const { customer, email, subscription, amount, refunded, currency } = STORY;
	switch (kind) {
		case "subscription_created": {
			const sub = base(shape, "customer.subscription.created", "subscription");
			return {
				type: "customer.subscription.created",
				object: { ...sub, id: subscription, customer, status: "active" },
			};
		}
		case "checkout": {
			const session = base(
				shape,
				"checkout.session.completed",
				"checkout.session",
			);
			return {
				type: "checkout.session.completed",
				object: {
					...session,
					id: id.session,
					customer,
					customer_details: {
						...(session.customer_details as object),
						email,
					},
					mode: "subscription",
					payment_status: "paid",
					status: "complete",
					amount_total: amount,
					currency,
					invoice: id.invoice,
					subscription,
					payment_intent: null,
				},
			};
		}
		case "invoice_paid": {
			const invoice = base(shape, "invoice.paid", "invoice");
			const links =
				shape === "legacy"
					? {
							payment_intent: id.intent,
							charge: id.charge,
							subscription,
							paid: true,
						}
					: {
							parent: {
								quote_details: null,
								subscription_details: { metadata: null, subscription },
								type: "subscription_details",
							},
						};
			return {
				type: "invoice.paid",
				object: {
					...invoice,
					id: id.invoice,
					customer,
					customer_email: email,
					status: "paid",
					amount_due: amount,
					amount_paid: amount,
					amount_remaining: 0,
					attempt_count: 1,
					attempted: true,
					currency,
					...links,
				},
			};
		}
		case "invoice_payment": {
			if (shape === "legacy")
				throw new Error("InvoicePayment exists from 2025-03-31.basil on");
			const payment = stripeObject("invoice_payment");
			return {
				type: "invoice_payment.paid",
				object: {
					...payment,
					id: id.invoicePayment,
					invoice: id.invoice,
					amount_paid: amount,
					amount_requested: amount,
					currency,
					status: "paid",
					// fixtures3 shows `payment` with `type` only; `payment_intent` (and `charge`) are the
					// expandable links stripe-node documents on InvoicePayment.Payment (InvoicePayments.d.ts).
					payment: { type: "payment_intent", payment_intent: id.intent },
				},
			};
		}
		case "intent_succeeded": {
			const intent = base(shape, "payment_intent.succeeded", "payment_intent");
			return {
				type: "payment_intent.succeeded",
				object: {
					...intent,
					id: id.intent,
					customer,
					amount,
					amount_received: amount,
					currency,
					status: "succeeded",
					last_payment_error: null,
					...(shape === "legacy"
						? { charges: legacyCharges(intent, id.charge, id.intent) }
						: { latest_charge: id.charge }),
				},
			};
		}
		case "charge_refunded": {
			const charge = base(shape, "charge.refunded", "charge");
			return {
				type: "charge.refunded",
				object: {
					...charge,
					id: id.charge,
					customer,
					payment_intent: id.intent,
					...(shape === "legacy" ? { invoice: id.invoice } : {}),
					amount,
					amount_captured: amount,
					amount_refunded: refunded,
					refunded: false,
					currency,
					billing_details: {
						...(charge.billing_details as object),
						email,
					},
				},
			};
		}
		case "refund_created": {
			// Refund objects are not among the 2020 envelopes: Stripe's example refund serves both shapes.
			const refund = stripeObject("refund");
			return {
				type: "refund.created",
				object: {
					...refund,
					id: id.refund,
					charge: id.charge,
					payment_intent: id.intent,
					amount: refunded,
					currency,
					status: "succeeded",
				},
			};
		}
		case "dispute_created":
		case "dispute_closed": {
			const dispute = base(shape, "charge.dispute.created", "dispute");
			const closed = kind === "dispute_closed";
			return {
				type: closed ? "charge.dispute.closed" : "charge.dispute.created",
				object: {
					...dispute,
					id: id.dispute,
					charge: id.charge,
					payment_intent: id.intent,
					amount,
					currency,
					reason: "fraudulent",
					status: closed
						? (options.disputeOutcome ?? "lost")
						: "needs_response",
				},
			};
		}
	}
}

/** The 2020 PaymentIntent's embedded charge list, its charge renamed to this story's. */
function legacyCharges(
	intent: Record<string, unknown>,
	charge: string,
	paymentIntent: string,
): Record<string, unknown> {
	const charges = intent.charges as { data: Record<string, unknown>[] };
	return {
		...charges,
		data: charges.data.map((item) => ({
			...item,
			id: charge,
			payment_intent: paymentIntent,
		})),
	};
}

let counter = 0;

/** A Stripe envelope (as Stripe sends it: api_version included) at `created` seconds. */
export function storyEnvelope(
	shape: Shape,
	step: { type: string; object: Record<string, unknown> },
	created: number,
	id?: string,
): StripeEnvelope {
	counter += 1;
	return {
		id: id ?? `evt_story_${counter}_${Math.random().toString(36).slice(2, 8)}`,
		type: step.type,
		created,
		livemode: false,
		api_version: API_VERSION[shape],
		data: { object: step.object },
	};
}

/** The $20 subscription payment of issue 14: checkout, invoice (+ InvoicePayment), refund of $5, dispute. */
export function twentyDollarStory(shape: Shape): StoryKind[] {
	return [
		"subscription_created",
		"checkout",
		"invoice_paid",
		...(shape === "current" ? (["invoice_payment"] as const) : []),
		"charge_refunded",
		"dispute_created",
	];
}

/** The event that ties a payment's invoice side (checkout, invoice) to its PaymentIntent side (intent, charge, refund, dispute). */
export const LINK: Record<Shape, StoryKind> = {
	legacy: "invoice_paid",
	current: "invoice_payment",
};

/** Every kind the property tests draw from; the link is always added, so each story is connected. */
export const STORY_KINDS: Record<Shape, StoryKind[]> = {
	legacy: [
		"checkout",
		"intent_succeeded",
		"charge_refunded",
		"refund_created",
		"dispute_created",
		"dispute_closed",
	],
	current: [
		"checkout",
		"invoice_paid",
		"intent_succeeded",
		"charge_refunded",
		"refund_created",
		"dispute_created",
		"dispute_closed",
	],
};
