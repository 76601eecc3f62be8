/**
 * Random histories of one customer's real payments (1–3), in either payload shape, each told by a
 * random subset of its Stripe events plus the event that links its invoice side to its PaymentIntent
 * side; a few seconds apart (ties included), some delivered twice. For "one payment per real payment".
 */
import fc from "fast-check";
import type { StripeEnvelope } from "../../src/ingest/index.ts";
import {
	LINK,
	type Shape,
	STORY_KINDS,
	type StoryKind,
	storyEnvelope,
	storyObject,
} from "./payment-story.ts";

export const STORY_TIME = 1_760_000_000;

export interface PaymentStoryHistory {
	shape: Shape;
	/** Distinct events, with the kind and payment number each tells. */
	events: Array<{ envelope: StripeEnvelope; kind: StoryKind; n: number }>;
	/** The deliveries: every event, some twice. */
	deliveries: StripeEnvelope[];
}

export const paymentStoryArbitrary = (shape: Shape) =>
	fc
		.array(
			fc.record({
				kinds: fc.subarray(STORY_KINDS[shape]),
				offsets: fc.array(fc.integer({ min: 0, max: 5 }), {
					minLength: 8,
					maxLength: 8,
				}),
			}),
			{ minLength: 1, maxLength: 3 },
		)
		.chain((payments) => {
			const events = payments.flatMap((payment, index) => {
				const n = index + 1;
				const kinds: StoryKind[] = [LINK[shape], ...payment.kinds];
				return kinds.map((kind, i) => ({
					kind,
					n,
					envelope: storyEnvelope(
						shape,
						storyObject(shape, kind, n),
						STORY_TIME + n * 100 + (payment.offsets[i] ?? 0),
						`evt_story_${shape}_${n}_${kind}`,
					),
				}));
			});
			return fc.record({
				events: fc.constant(events),
				duplicates: fc.subarray(events.map((e) => e.envelope)),
			});
		})
		.map(
			({ events, duplicates }): PaymentStoryHistory => ({
				shape,
				events,
				deliveries: [...events.map((e) => e.envelope), ...duplicates],
			}),
		);

/** The status each real payment must end in, from the kinds its events tell (the oracle). */
export function expectedPayments(history: PaymentStoryHistory) {
	const byN = new Map<number, Set<StoryKind>>();
	for (const { n, kind } of history.events)
		byN.set(n, (byN.get(n) ?? new Set()).add(kind));
	return [...byN.entries()]
		.sort(([a], [b]) => a - b)
		.map(([n, kinds]) => ({
			n,
			// The story's dispute closes as lost.
			status: kinds.has("dispute_closed")
				? "dispute_lost"
				: kinds.has("dispute_created")
					? "disputed"
					: kinds.has("charge_refunded") || kinds.has("refund_created")
						? "refunded"
						: "succeeded",
			refunded: kinds.has("charge_refunded") || kinds.has("refund_created"),
		}));
}

/** Deliveries with every link event moved to the end (in a given order of the rest). */
export function linksLast(
	history: PaymentStoryHistory,
	order: readonly StripeEnvelope[],
): StripeEnvelope[] {
	const linkIds = new Set(
		history.events
			.filter((e) => e.kind === LINK[history.shape])
			.map((e) => e.envelope.id),
	);
	return [
		...order.filter((e) => !linkIds.has(e.id)),
		...order.filter((e) => linkIds.has(e.id)),
	];
}
