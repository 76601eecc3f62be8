import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	canonical,
	emptyState,
	type FoldState,
	type HistoryEvent,
	step,
} from "../../test/support/fold.ts";
import { historyArbitrary, shuffled } from "../../test/support/histories.ts";
import {
	expectedPayments,
	linksLast,
	type PaymentStoryHistory,
	paymentStoryArbitrary,
} from "../../test/support/payment-stories.ts";
import type { Shape } from "../../test/support/payment-story.ts";
import { storyIds } from "../../test/support/payment-story.ts";
import { normalizeStripeEvent, type StripeEnvelope } from "../ingest/index.ts";
import { compareObservations } from "./registers.ts";

const RUNS = Number(process.env.PLUMB_PROPERTY_RUNS ?? 1000);

const STATUS_PRECEDENCE: Record<string, number> = {
	incomplete: 0,
	trialing: 1,
	active: 2,
	past_due: 3,
	unpaid: 4,
	canceled: 6,
};
const PAYMENT_RANK: Record<string, number> = {
	failed: 0,
	succeeded: 1,
	refunded: 2,
	disputed: 3,
	dispute_won: 4,
	dispute_lost: 5,
};
const LAST_PAYMENT_RANK: Record<string, number> = {
	paid: 0,
	failed: 1,
	refunded: 2,
	disputed: 3,
};

function toEvent(envelope: StripeEnvelope): HistoryEvent {
	const normalized = normalizeStripeEvent(envelope);
	return {
		externalId: envelope.id,
		type: normalized.type,
		occurredAt: normalized.occurredAt,
		data: normalized.data,
	};
}

/** Newer state is never replaced by older: each register only moves forward under (time, precedence, value). */
function expectNeverBackwards(before: FoldState, after: FoldState): void {
	const subBefore = before.subscriptions[0]?.status;
	const subAfter = after.subscriptions[0]?.status;
	if (subBefore) {
		expect(subAfter).toBeDefined();
		if (subAfter)
			expect(
				compareObservations(
					subAfter,
					subBefore,
					(v) => STATUS_PRECEDENCE[v.status] ?? 0,
				),
			).toBeGreaterThanOrEqual(0);
	}
	for (const payment of before.payments) {
		const now = after.payments.find((p) =>
			p.refs.some((ref) => payment.refs.includes(ref)),
		);
		expect(now && PAYMENT_RANK[now.status]).toBeGreaterThanOrEqual(
			PAYMENT_RANK[payment.status] ?? 0,
		);
	}
	if (before.fields.lastPayment && after.fields.lastPayment) {
		expect(
			compareObservations(
				after.fields.lastPayment,
				before.fields.lastPayment,
				(v) => LAST_PAYMENT_RANK[v] ?? 0,
			),
		).toBeGreaterThanOrEqual(0);
	}
}

function fold(
	deliveries: readonly StripeEnvelope[],
	checkSteps: boolean,
): FoldState {
	let state = emptyState();
	for (const delivery of deliveries) {
		const next = step(state, toEvent(delivery));
		if (checkSteps) expectNeverBackwards(state, next);
		state = next;
	}
	return state;
}

/** What provider time alone implies, computed without the rules: the oracle. */
function oracle(events: readonly StripeEnvelope[]) {
	const subscriptionEvents = events.filter((e) =>
		e.type.startsWith("customer.subscription."),
	);
	const latestBy = <T>(
		items: T[],
		key: (item: T) => [number, number, string],
	) =>
		items.reduce<T | undefined>((best, item) => {
			if (!best) return item;
			const [a1, a2, a3] = key(item);
			const [b1, b2, b3] = key(best);
			return a1 > b1 || (a1 === b1 && (a2 > b2 || (a2 === b2 && a3 > b3)))
				? item
				: best;
		}, undefined);
	const status = (e: StripeEnvelope) => String(e.data.object.status);
	const price = (e: StripeEnvelope) =>
		String(
			(e.data.object.items as { data: Array<{ price: { id: string } }> })
				.data[0]?.price.id,
		);
	const latestStatus = latestBy(subscriptionEvents, (e) => [
		e.created,
		STATUS_PRECEDENCE[status(e)] ?? 0,
		"",
	]);
	const latestPlan = latestBy(subscriptionEvents, (e) => [
		e.created,
		0,
		price(e),
	]);
	const paid = events.some(
		(e) => e.type === "invoice.paid" || e.type === "payment_intent.succeeded",
	);
	// Escalation: two failed attempts (different invoice/attempt) 10 minutes to 30 days apart.
	const attempts = new Map<string, number>();
	for (const e of events.filter((e) => e.type === "invoice.payment_failed")) {
		attempts.set(
			`${e.data.object.id}#${e.data.object.attempt_count}`,
			e.created,
		);
	}
	const times = [...attempts.values()];
	const escalated = times.some((a, i) =>
		times.some(
			(b, j) =>
				i !== j && Math.abs(a - b) >= 600 && Math.abs(a - b) <= 30 * 86_400,
		),
	);
	const span = times.length > 0 ? Math.max(...times) - Math.min(...times) : 0;
	const episodeBound = Math.floor(span / (30 * 86_400)) + 1;
	return {
		status: latestStatus && status(latestStatus),
		plan: latestPlan && price(latestPlan),
		customer: paid,
		escalated,
		episodeBound,
	};
}

describe("business state is independent of delivery order (pure rules, in-memory state)", () => {
	it(
		`every order of a random history — duplicates and same-second ties included — ends in the state provider time implies (${RUNS} runs)`,
		() => {
			fc.assert(
				fc.property(
					historyArbitrary().chain((history) =>
						fc.tuple(fc.constant(history), shuffled(history.deliveries)),
					),
					([history, order]) => {
						const byProviderTime = [...history.events].sort(
							(a, b) => a.created - b.created || a.id.localeCompare(b.id),
						);
						const reference = fold(byProviderTime, false);
						const arrived = fold(order, true);
						expect(canonical(arrived)).toEqual(canonical(reference));

						const expected = oracle(history.events);
						expect(arrived.subscriptions[0]?.status?.value.status).toBe(
							expected.status,
						);
						expect(arrived.subscriptions[0]?.plan?.value.plan).toBe(
							expected.plan,
						);
						expect(arrived.fields.lifecycle === "customer").toBe(
							expected.customer,
						);
						expect(arrived.tickets.length > 0).toBe(expected.escalated);
						// At most one episode per 30 days of failures: never one ticket per failure.
						expect(arrived.tickets.length).toBeLessThanOrEqual(
							expected.episodeBound,
						);
						expect(new Set(arrived.tickets).size).toBe(arrived.tickets.length);
					},
				),
				{ numRuns: RUNS },
			);
		},
		30_000 + RUNS * 3,
	);

	it("applying the same event again changes nothing", () => {
		fc.assert(
			fc.property(historyArbitrary(8), (history) => {
				const once = fold(history.events, false);
				const twice = fold([...history.events, ...history.events], false);
				expect(canonical(twice)).toEqual(canonical(once));
			}),
			{ numRuns: Math.min(RUNS, 300) },
		);
	});
});

/** Each real payment of the history is one payment in the state, with the status its events imply. */
function expectOnePaymentEach(
	history: PaymentStoryHistory,
	state: FoldState,
): void {
	const expected = expectedPayments(history);
	expect(state.payments).toHaveLength(expected.length);
	for (const { n, status, refunded } of expected) {
		const ids = storyIds(n);
		const payment = state.payments.find((p) => p.refs.includes(ids.intent));
		expect(payment?.refs).toContain(ids.invoice);
		expect(payment?.status).toBe(status);
		expect(payment?.amount).toBe(2000);
		expect(payment?.amountRefunded).toBe(refunded ? 500 : 0);
	}
}

describe.each<Shape>(["legacy", "current"])(
	"one payment per real payment on the %s payload shape (pure rules)",
	(shape) => {
		it(`checkout, invoice, InvoicePayment, PaymentIntent, charge, refund and dispute in any order, duplicates included, are one payment each (${RUNS} runs)`, () => {
			fc.assert(
				fc.property(
					paymentStoryArbitrary(shape).chain((history) =>
						fc.tuple(fc.constant(history), shuffled(history.deliveries)),
					),
					([history, order]) => {
						const byProviderTime = history.events
							.map((e) => e.envelope)
							.sort(
								(a, b) => a.created - b.created || a.id.localeCompare(b.id),
							);
						const arrived = fold(order, true);
						expectOnePaymentEach(history, arrived);
						// Payments and the customer's fields; whether a dispute ticket could open depends on
						// the e-mail being known when the dispute arrived (without one the alert alone tells).
						const reference = fold(byProviderTime, false);
						const view = (state: FoldState) =>
							JSON.parse(canonical(state)) as {
								payments: unknown;
								fields: unknown;
							};
						expect(view(arrived).payments).toEqual(view(reference).payments);
						expect(view(arrived).fields).toEqual(view(reference).fields);
					},
				),
				{ numRuns: RUNS },
			);
		});

		it(`the events that link the invoice to the PaymentIntent arriving last still fold everything into one payment each (${RUNS} runs)`, () => {
			fc.assert(
				fc.property(
					paymentStoryArbitrary(shape).chain((history) =>
						fc.tuple(fc.constant(history), shuffled(history.deliveries)),
					),
					([history, order]) => {
						const arrived = fold(linksLast(history, order), true);
						expectOnePaymentEach(history, arrived);
					},
				),
				{ numRuns: RUNS },
			);
		});
	},
);
