import { describe, expect, it } from "vitest";
import {
	storyEnvelope,
	storyIds,
	storyObject,
} from "../../test/support/payment-story.ts";
import { stripeFixture, stripeObject } from "../../test/support/stripe.ts";
import {
	normalizeStripeEvent,
	type StripeEnvelope,
} from "./stripe-normalize.ts";

const fixture = (name: string) =>
	JSON.parse(stripeFixture(name)) as StripeEnvelope;
const current = (
	type: string,
	object: Record<string, unknown>,
): StripeEnvelope => ({
	id: "evt_current",
	type,
	created: 1_700_000_000,
	livemode: false,
	data: { object },
});

describe("normalizeStripeEvent on the 2020-08-27 fixture envelopes", () => {
	it.each([
		["checkout.session.completed", "payment_succeeded"],
		["checkout.session.completed.payment_mode", "payment_succeeded"],
		["invoice.paid", "payment_succeeded"],
		["invoice.payment_succeeded", "payment_succeeded"],
		["payment_intent.succeeded", "payment_succeeded"],
		["invoice.payment_failed", "payment_failed"],
		["payment_intent.payment_failed", "payment_failed"],
		["customer.subscription.created", "subscription_updated"],
		["customer.subscription.updated", "subscription_updated"],
		["customer.subscription.deleted", "subscription_canceled"],
		["charge.refunded", "refund_issued"],
		["charge.dispute.created", "dispute_opened"],
	])("maps %s to %s with provider time", (name, type) => {
		const event = fixture(name);
		const normalized = normalizeStripeEvent(event);
		expect(normalized.type).toBe(type);
		expect(normalized.occurredAt).toEqual(new Date(event.created * 1000));
		expect(normalized.data.provider).toEqual({
			event_type: event.type,
			object_id: event.data.object.id,
			livemode: false,
		});
	});

	it("links invoice.paid and payment_intent.succeeded through shared payment references", () => {
		const invoice = normalizeStripeEvent(fixture("invoice.paid")).data.payment;
		const intent = normalizeStripeEvent(fixture("payment_intent.succeeded"))
			.data.payment;
		expect(invoice?.refs).toEqual(
			expect.arrayContaining([
				"in_000000000000000000000000",
				"pi_000000000000000000000000",
				"ch_000000000000000000000000",
			]),
		);
		expect(intent?.refs).toContain("pi_000000000000000000000000");
		expect(invoice?.amount).toBe(2000);
		expect(intent?.amount).toBe(2000);
	});

	it("reads the checkout customer's e-mail and Stripe customer id", () => {
		const { data } = normalizeStripeEvent(
			fixture("checkout.session.completed"),
		);
		expect(data.customer).toEqual({
			stripe_customer_id: "cus_00000000000000",
			email: "stripe@example.com",
		});
		expect(data.payment?.refs).toEqual(
			expect.arrayContaining([
				"cs_test_0000000000000000000000000000000000000000000000000000000000",
			]),
		);
	});

	it("gives a failed invoice and its failed PaymentIntent the same attempt reference", () => {
		const invoice = normalizeStripeEvent(fixture("invoice.payment_failed")).data
			.payment;
		const intent = normalizeStripeEvent(
			fixture("payment_intent.payment_failed"),
		).data.payment;
		expect(invoice?.attempt_ref).toBe("ch_000000000000000000000000");
		expect(intent?.attempt_ref).toBe("ch_000000000000000000000000");
		expect(intent?.failure_reason).toMatch(/\S/);
		expect(invoice?.amount).toBeGreaterThan(0);
	});

	it("reads the subscription's status, plan and period from the old shape", () => {
		const { data } = normalizeStripeEvent(
			fixture("customer.subscription.updated"),
		);
		expect(data.subscription).toMatchObject({
			id: "sub_000000000000000000000000",
			status: "active",
		});
		expect(data.subscription?.plan).toMatch(/\S/);
		expect(data.subscription?.current_period_end).toMatch(/^\d{4}-\d\d-\d\dT/);
		expect(data.customer?.stripe_customer_id).toBe("cus_00000000000000");
	});

	it("reads refund and dispute facts", () => {
		const refund = normalizeStripeEvent(fixture("charge.refunded")).data.refund;
		expect(refund).toMatchObject({
			amount_refunded: 100,
			amount: 100,
			fully_refunded: true,
		});
		expect(refund?.refs).toContain("ch_000000000000000000000000");
		const dispute = normalizeStripeEvent(fixture("charge.dispute.created")).data
			.dispute;
		expect(dispute).toMatchObject({
			id: "dp_000000000000000000000000",
			reason: "fraudulent",
			amount: 100,
		});
		expect(dispute?.refs).toContain("ch_000000000000000000000000");
	});
});

describe("normalizeStripeEvent on current-API objects (stripe/objects)", () => {
	it("reads the plan and period from subscription items, the price's lookup_key winning over its id", () => {
		const subscription = stripeObject("subscription");
		const items = subscription.items as {
			data: Array<{
				price: Record<string, unknown>;
				current_period_end?: number;
			}>;
		};
		const item = items.data[0];
		if (!item) throw new Error("fixture has no item");
		item.price.lookup_key = "pro_monthly";
		item.current_period_end = 1_800_000_000;
		const { data } = normalizeStripeEvent(
			current("customer.subscription.updated", subscription),
		);
		expect(data.subscription).toMatchObject({
			id: "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw",
			status: "active",
			plan: "pro_monthly",
			price_id: "price_1PgafmB7WZ01zgkW6dKueIc5",
			cancel_at_period_end: true,
			current_period_end: new Date(1_800_000_000 * 1000).toISOString(),
		});
	});

	it("finds the subscription of a current invoice under parent.subscription_details", () => {
		const invoice: Record<string, unknown> = {
			...stripeObject("invoice"),
			status: "paid",
			amount_paid: 1000,
		};
		invoice.parent = {
			type: "subscription_details",
			subscription_details: {
				subscription: "sub_new",
				metadata: { app_user_id: "user-42" },
			},
		};
		const { data } = normalizeStripeEvent(current("invoice.paid", invoice));
		expect(data.payment).toMatchObject({
			refs: ["in_1Pgc6tB7WZ01zgkWu9fdqL6I"],
			amount: 1000,
			subscription_id: "sub_new",
		});
		expect(data.customer).toMatchObject({
			stripe_customer_id: "cus_QXg1o8vcGmoR32",
			app_user_id: "user-42",
		});
	});

	it("links a current invoice to its PaymentIntent when payments are expanded", () => {
		const invoice = stripeObject("invoice");
		invoice.payments = {
			data: [
				{
					...stripeObject("invoice_payment"),
					payment: { type: "payment_intent", payment_intent: "pi_linked" },
				},
			],
		};
		const { data } = normalizeStripeEvent(current("invoice.paid", invoice));
		expect(data.payment?.refs).toEqual([
			"in_1Pgc6tB7WZ01zgkWu9fdqL6I",
			"pi_linked",
		]);
	});

	it("ignores a completed Checkout whose payment has not arrived, and takes the async success", () => {
		const session = {
			...stripeObject("checkout.session"),
			payment_status: "unpaid",
			client_reference_id: "user-7",
		};
		expect(
			normalizeStripeEvent(current("checkout.session.completed", session)).type,
		).toBe("ignored");
		const paid = normalizeStripeEvent(
			current("checkout.session.async_payment_succeeded", {
				...session,
				payment_status: "paid",
			}),
		);
		expect(paid.type).toBe("payment_succeeded");
		expect(paid.data.customer).toMatchObject({
			email: "example@example.com",
			app_user_id: "user-7",
		});
		expect(paid.data.payment?.refs).toEqual([
			"cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY",
			"pi_1PgafyB7WZ01zgkWSjxsAJo3",
		]);
	});

	it("uses last_payment_error for a failed PaymentIntent's reason and attempt", () => {
		const intent = {
			...stripeObject("payment_intent"),
			customer: "cus_x",
			last_payment_error: {
				type: "card_error",
				code: "card_declined",
				message: "Your card was declined.",
				charge: "ch_fail_1",
			},
		};
		const { data } = normalizeStripeEvent(
			current("payment_intent.payment_failed", intent),
		);
		expect(data.payment).toMatchObject({
			attempt_ref: "ch_fail_1",
			failure_reason: "Your card was declined.",
			amount: 1099,
			refs: ["pi_1PgafyB7WZ01zgkWSjxsAJo3"],
		});
	});

	it("maps an unknown type to ignored, with the reason on the event", () => {
		const normalized = normalizeStripeEvent(
			current("product.created", stripeObject("product")),
		);
		expect(normalized.type).toBe("ignored");
		expect(normalized.data.payment).toBeUndefined();
		expect(normalized.data.provider).toMatchObject({
			event_type: "product.created",
			ignored_reason: "Plumb does not act on product.created events",
		});
	});
});

describe("normalizeStripeEvent: the links between one payment's objects on the current shape", () => {
	it("invoice_payment.paid names the invoice and its PaymentIntent, so the two sides are one payment", () => {
		const { type, data, version } = normalizeStripeEvent(
			storyEnvelope(
				"current",
				storyObject("current", "invoice_payment"),
				1_760_000_000,
			),
		);
		const ids = storyIds(1);
		expect(type).toBe("payment_succeeded");
		expect(version).toMatchObject({ shape: "basil", known: true });
		expect(data.payment).toMatchObject({ amount: 2000, currency: "usd" });
		expect(data.payment?.refs).toEqual(
			expect.arrayContaining([ids.invoicePayment, ids.invoice, ids.intent]),
		);
	});

	it("a current invoice names no PaymentIntent, a current charge no invoice: only the InvoicePayment joins them", () => {
		const invoice = normalizeStripeEvent(
			storyEnvelope("current", storyObject("current", "invoice_paid"), 1),
		).data.payment;
		const charge = normalizeStripeEvent(
			storyEnvelope("current", storyObject("current", "charge_refunded"), 1),
		).data.refund;
		const ids = storyIds(1);
		expect(invoice?.refs).toEqual([ids.invoice]);
		expect(invoice?.subscription_id).toBe("sub_story");
		expect(charge?.refs).toEqual([ids.charge, ids.intent]);
	});

	it("on the legacy shape the invoice itself names its PaymentIntent and charge", () => {
		const invoice = normalizeStripeEvent(
			storyEnvelope("legacy", storyObject("legacy", "invoice_paid"), 1),
		);
		const ids = storyIds(1);
		expect(invoice.version).toMatchObject({ shape: "legacy", known: true });
		expect(invoice.data.payment?.refs).toEqual(
			expect.arrayContaining([ids.invoice, ids.intent, ids.charge]),
		);
	});
});

describe("normalizeStripeEvent: the events a founder subscribes to today", () => {
	const at = 1_760_000_000;
	const story = (
		kind: Parameters<typeof storyObject>[1],
		shape: "legacy" | "current" = "current",
	) => storyObject(shape, kind);
	const as = (type: string, object: Record<string, unknown>) =>
		normalizeStripeEvent(storyEnvelope("current", { type, object }, at));

	it.each([
		[
			"checkout.session.completed",
			story("checkout").object,
			"payment_succeeded",
		],
		[
			"checkout.session.async_payment_succeeded",
			story("checkout").object,
			"payment_succeeded",
		],
		[
			"checkout.session.async_payment_failed",
			{ ...story("checkout").object, payment_status: "unpaid" },
			"payment_failed",
		],
		["invoice.paid", story("invoice_paid").object, "payment_succeeded"],
		[
			"invoice.payment_failed",
			{ ...story("invoice_paid").object, status: "open", amount_paid: 0 },
			"payment_failed",
		],
		[
			"invoice.payment_action_required",
			{ ...story("invoice_paid").object, status: "open", amount_paid: 0 },
			"payment_failed",
		],
		[
			"invoice_payment.paid",
			story("invoice_payment").object,
			"payment_succeeded",
		],
		["customer.created", stripeObject("customer"), "customer_updated"],
		["customer.updated", stripeObject("customer"), "customer_updated"],
		["customer.deleted", stripeObject("customer"), "customer_deleted"],
		[
			"customer.subscription.created",
			story("subscription_created").object,
			"subscription_updated",
		],
		[
			"customer.subscription.updated",
			story("subscription_created").object,
			"subscription_updated",
		],
		[
			"customer.subscription.deleted",
			{ ...story("subscription_created").object, status: "canceled" },
			"subscription_canceled",
		],
		[
			"customer.subscription.paused",
			{ ...story("subscription_created").object, status: "paused" },
			"subscription_updated",
		],
		[
			"customer.subscription.resumed",
			story("subscription_created").object,
			"subscription_updated",
		],
		[
			"customer.subscription.trial_will_end",
			{ ...story("subscription_created").object, status: "trialing" },
			"subscription_updated",
		],
		["charge.refunded", story("charge_refunded").object, "refund_issued"],
		["refund.created", story("refund_created").object, "refund_issued"],
		["refund.updated", story("refund_created").object, "refund_issued"],
		[
			"charge.dispute.created",
			story("dispute_created").object,
			"dispute_opened",
		],
		[
			"charge.dispute.updated",
			{ ...story("dispute_created").object, status: "under_review" },
			"dispute_opened",
		],
		["charge.dispute.closed", story("dispute_closed").object, "dispute_closed"],
		[
			"payment_intent.succeeded",
			story("intent_succeeded").object,
			"payment_succeeded",
		],
		[
			"payment_intent.payment_failed",
			{
				...story("intent_succeeded").object,
				status: "requires_payment_method",
				last_payment_error: {
					type: "card_error",
					message: "Your card was declined.",
				},
			},
			"payment_failed",
		],
	] as const)("%s becomes %s", (type, object, canonical) => {
		const normalized = as(type, object as Record<string, unknown>);
		expect(normalized.type).toBe(canonical);
		expect(normalized.data.provider?.ignored_reason).toBeUndefined();
	});

	it("a Customer object is the customer: its id, e-mail, name and phone", () => {
		const customer = stripeObject("customer");
		const { data } = as("customer.updated", customer);
		expect(data.customer).toMatchObject({
			stripe_customer_id: customer.id,
			...(typeof customer.email === "string" ? { email: customer.email } : {}),
			...(typeof customer.name === "string" ? { name: customer.name } : {}),
		});
		// A deletion names whom, and changes none of their details.
		expect(as("customer.deleted", customer).data.customer).toEqual({
			stripe_customer_id: customer.id,
		});
	});

	it("a Refund counts its own amount once it has succeeded; one still pending or failed is ignored with why", () => {
		const refund = story("refund_created").object;
		const ids = storyIds(1);
		expect(as("refund.created", refund).data.refund).toEqual({
			refs: [ids.refund, ids.charge, ids.intent],
			amount_refunded: 500,
			currency: "usd",
			fully_refunded: false,
		});
		for (const status of ["pending", "failed", "canceled"]) {
			const ignored = as("refund.updated", { ...refund, status });
			expect(ignored.type).toBe("ignored");
			expect(ignored.data.provider?.ignored_reason).toContain(status);
		}
	});

	it("a dispute update with a final status is its closing; a checkout not yet paid is ignored with why", () => {
		const dispute = story("dispute_created").object;
		expect(
			as("charge.dispute.updated", { ...dispute, status: "won" }),
		).toMatchObject({
			type: "dispute_closed",
			data: { dispute: { status: "won", id: storyIds(1).dispute } },
		});
		const unpaid = as("checkout.session.completed", {
			...story("checkout").object,
			payment_status: "unpaid",
		});
		expect(unpaid.type).toBe("ignored");
		expect(unpaid.data.provider?.ignored_reason).toMatch(
			/async_payment_succeeded/,
		);
	});

	it("invoice.payment_action_required is a failed attempt that says the customer must authenticate", () => {
		const { data } = as("invoice.payment_action_required", {
			...story("invoice_paid").object,
			status: "open",
			amount_paid: 0,
		});
		expect(data.payment?.failure_reason).toMatch(/authenticate/);
		expect(data.payment?.attempt_ref).toBe(`${storyIds(1).invoice}#1`);
	});
});
