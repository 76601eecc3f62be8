/**
 * Random Stripe histories of one customer for property tests: subscription created / updated / deleted,
 * invoices paid and failed (with retries), PaymentIntents, refunds — many in the same second (Stripe's
 * `created` has 1-second resolution), some delivered twice.
 */
import fc from "fast-check";
import type { StripeEnvelope } from "../../src/ingest/index.ts";

export const BASE_TIME = 1_760_000_000; // seconds
const CUSTOMER = "cus_prop";
const EMAIL = "prop@example.com";
const SUBSCRIPTION = "sub_prop";
const STATUSES = [
	"trialing",
	"active",
	"past_due",
	"unpaid",
	"canceled",
	"incomplete",
] as const;
const PRICES = ["price_basic", "price_pro", "price_team"] as const;

/** Seconds after BASE_TIME: mostly a few seconds apart (ties), sometimes days (retries, renewals). */
const offset = fc.oneof(
	{ weight: 3, arbitrary: fc.integer({ min: 0, max: 6 }) },
	{
		weight: 1,
		arbitrary: fc.integer({ min: 0, max: 40 }).map((day) => day * 86_400 + 30),
	},
);

type Spec =
	| {
			kind: "subscription";
			type: "created" | "updated" | "deleted";
			status: (typeof STATUSES)[number];
			price: (typeof PRICES)[number];
			cancelAtPeriodEnd: boolean;
			at: number;
	  }
	| { kind: "invoice_paid"; n: number; at: number }
	| { kind: "intent_succeeded"; n: number; at: number }
	| { kind: "invoice_failed"; n: number; attempt: number; at: number }
	| { kind: "refund"; n: number; at: number };

const spec: fc.Arbitrary<Spec> = fc.oneof(
	fc.record({
		kind: fc.constant("subscription" as const),
		type: fc.constantFrom(
			"created" as const,
			"updated" as const,
			"deleted" as const,
		),
		status: fc.constantFrom(...STATUSES),
		price: fc.constantFrom(...PRICES),
		cancelAtPeriodEnd: fc.boolean(),
		at: offset,
	}),
	fc.record({
		kind: fc.constant("invoice_paid" as const),
		n: fc.integer({ min: 1, max: 3 }),
		at: offset,
	}),
	fc.record({
		kind: fc.constant("intent_succeeded" as const),
		n: fc.integer({ min: 1, max: 3 }),
		at: offset,
	}),
	fc.record({
		kind: fc.constant("invoice_failed" as const),
		n: fc.integer({ min: 1, max: 3 }),
		attempt: fc.integer({ min: 1, max: 3 }),
		at: offset,
	}),
	fc.record({
		kind: fc.constant("refund" as const),
		n: fc.integer({ min: 1, max: 3 }),
		at: offset,
	}),
);

function objectFor(s: Spec): { type: string; object: Record<string, unknown> } {
	switch (s.kind) {
		case "subscription":
			return {
				type: `customer.subscription.${s.type}`,
				object: {
					id: SUBSCRIPTION,
					object: "subscription",
					customer: CUSTOMER,
					status: s.type === "deleted" ? "canceled" : s.status,
					cancel_at_period_end: s.cancelAtPeriodEnd,
					items: {
						data: [
							{
								price: { id: s.price, lookup_key: null, nickname: null },
								current_period_end: BASE_TIME + 30 * 86_400,
							},
						],
					},
				},
			};
		case "invoice_paid":
			return {
				type: "invoice.paid",
				object: {
					id: `in_${s.n}`,
					object: "invoice",
					customer: CUSTOMER,
					customer_email: EMAIL,
					status: "paid",
					amount_paid: 2000 * s.n,
					currency: "usd",
					payment_intent: `pi_${s.n}`,
					parent: { subscription_details: { subscription: SUBSCRIPTION } },
				},
			};
		case "intent_succeeded":
			return {
				type: "payment_intent.succeeded",
				object: {
					id: `pi_${s.n}`,
					object: "payment_intent",
					customer: CUSTOMER,
					amount: 2000 * s.n,
					amount_received: 2000 * s.n,
					currency: "usd",
					latest_charge: `ch_${s.n}`,
				},
			};
		case "invoice_failed":
			return {
				type: "invoice.payment_failed",
				object: {
					id: `in_${s.n}`,
					object: "invoice",
					customer: CUSTOMER,
					customer_email: EMAIL,
					status: "open",
					amount_due: 2000 * s.n,
					currency: "usd",
					attempt_count: s.attempt,
					payment_intent: `pi_${s.n}`,
					parent: { subscription_details: { subscription: SUBSCRIPTION } },
				},
			};
		case "refund":
			return {
				type: "charge.refunded",
				object: {
					id: `ch_${s.n}`,
					object: "charge",
					customer: CUSTOMER,
					payment_intent: `pi_${s.n}`,
					amount: 2000 * s.n,
					amount_refunded: 2000 * s.n,
					refunded: true,
					currency: "usd",
				},
			};
	}
}

/** A history: distinct events (unique ids), plus the delivery list with some sent twice. */
export const historyArbitrary = (maxEvents = 14) =>
	fc
		.array(spec, { minLength: 1, maxLength: maxEvents })
		.chain((raw) => {
			// One payment attempt happens at one time: every report of (invoice, attempt) shares it.
			const attemptTimes = new Map<string, number>();
			const specs = raw.map((s) => {
				if (s.kind !== "invoice_failed") return s;
				const key = `${s.n}#${s.attempt}`;
				const at = attemptTimes.get(key) ?? s.at;
				attemptTimes.set(key, at);
				return { ...s, at };
			});
			const events: StripeEnvelope[] = specs.map((s, i) => {
				const { type, object } = objectFor(s);
				return {
					id: `evt_prop_${i}`,
					type,
					created: BASE_TIME + s.at,
					livemode: false,
					data: { object },
				};
			});
			return fc.record({
				events: fc.constant(events),
				duplicates: fc.subarray(events),
			});
		})
		.map(({ events, duplicates }) => ({
			events,
			deliveries: [...events, ...duplicates],
		}));

/** The same deliveries in another order. */
export const shuffled = <T>(items: readonly T[]) =>
	fc.shuffledSubarray([...items], {
		minLength: items.length,
		maxLength: items.length,
	});
