import { describe, expect, it } from "vitest";
import { drift } from "../../../test/support/shape-drift.ts";
import { stripeObject } from "../../../test/support/stripe.ts";
import {
	checkoutCompleted,
	dispute,
	invoicePayment,
	paymentIntent,
	refundedCharge,
	stripeEvent,
	subscription,
	subscriptionInvoice,
} from "./stripe-events.ts";

const ada = { id: "cus_1", email: "ada@example.com", name: "Ada Lovelace" };
const paid = { intent: "pi_1", charge: "ch_1", amount: 2000, currency: "usd" };
const invoice = { id: "in_1", subscription: "sub_1", amount: 4900 };
const plan = { price: "price_1", lookupKey: "pro_monthly", amount: 4900 };

/** Fields our objects set that Stripe's example object does not show (each documented where it is set). */
const NOT_IN_EXAMPLE = new Set([
	// stripe-node's InvoicePayment.Payment.payment_intent; fixtures3 shows `type` only.
	"invoice_payment.payment.payment_intent",
	// stripe-node's PaymentIntent.LastPaymentError has code and message; fixtures3 shows `type` only.
	"payment_intent.last_payment_error.code",
	"payment_intent.last_payment_error.message",
]);

/** Every path of `ours` that Stripe's example lacks, or holds with another JSON type. */
const stripeDrift = (ours: unknown, theirs: unknown, path: string) =>
	drift(ours, theirs, path, {
		vendor: "Stripe's",
		example: "object",
		notInExample: NOT_IN_EXAMPLE,
	});

describe("simulate's generated Stripe objects follow Stripe's own example objects", () => {
	const cases: Array<[string, Record<string, unknown>]> = [
		["checkout.session", checkoutCompleted(ada, paid, "cs_1", 1)],
		["payment_intent", paymentIntent(ada, paid, 1)],
		["payment_intent", paymentIntent(ada, paid, 1, "Your card was declined.")],
		["charge", refundedCharge(ada, paid, 500, 1)],
		["dispute", dispute(paid, "dp_1", "needs_response", 1)],
		["subscription", subscription(ada, "sub_1", plan, 1)],
		[
			"invoice",
			subscriptionInvoice(ada, invoice, { paid: false, attempt: 2 }, 1),
		],
		["invoice_payment", invoicePayment("inpay_1", "in_1", paid, 1)],
	];
	it.each(cases)("%s: same field names and JSON types", (name, object) => {
		expect(object.object).toBe(name);
		expect(stripeDrift(object, stripeObject(name), name)).toEqual([]);
	});

	it("wraps them in the envelope of stripe/objects/event.json", () => {
		const event = stripeEvent(
			"evt_1",
			"charge.refunded",
			refundedCharge(ada, paid, 500, 1),
			1,
		);
		const envelope = { ...event, data: {} };
		expect(stripeDrift(envelope, stripeObject("event"), "event")).toEqual([]);
		expect(event.api_version).toMatch(/^\d{4}-\d{2}-\d{2}\.\w+$/);
	});

	it("a drifted field is caught (the check can fail)", () => {
		const wrong = { ...paymentIntent(ada, paid, 1), amount: "2000", amout: 1 };
		expect(
			stripeDrift(wrong, stripeObject("payment_intent"), "payment_intent"),
		).toEqual([
			"payment_intent.amount: ours is string, Stripe's is number",
			"payment_intent.amout: not in Stripe's object",
		]);
	});
});
