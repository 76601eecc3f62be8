/** Signed Stripe webhook deliveries for load tests: a real fixture event with a fresh `id` each, signed with the official SDK. */
import { readFileSync } from "node:fs";
import Stripe from "stripe";
import { CONTRACTS_DIR } from "../../test/support/contracts.ts";

export const STRIPE_FIXTURE_DIR = `${CONTRACTS_DIR}stripe/events`;

export interface Delivery {
	id: string;
	body: string;
	headers: Record<string, string>;
}

/** Makes deliveries of one fixture event type; `id` and `created` change, the rest is the fixture verbatim. */
export function stripeDeliveries(options: {
	secret: string;
	fixture?: string;
	fixtureDir?: string;
}) {
	const path = `${options.fixtureDir ?? STRIPE_FIXTURE_DIR}/${options.fixture ?? "invoice.paid.json"}`;
	const template = JSON.parse(readFileSync(path, "utf8")) as Record<
		string,
		unknown
	>;
	return {
		/** One signed delivery, timestamped now: Stripe (and Plumb) refuse signatures older than 300 s. */
		make(id: string): Delivery {
			const body = JSON.stringify({
				...template,
				id,
				created: Math.floor(Date.now() / 1000),
			});
			return {
				id,
				body,
				headers: {
					"content-type": "application/json",
					"stripe-signature": Stripe.webhooks.generateTestHeaderString({
						payload: body,
						secret: options.secret,
					}),
				},
			};
		},
		/** `count` deliveries with ids `${prefix}${0…count-1}`, made up front so signing costs nothing during a run. */
		batch(prefix: string, count: number): Delivery[] {
			const out = new Array<Delivery>(count);
			for (let i = 0; i < count; i++) out[i] = this.make(`${prefix}${i}`);
			return out;
		},
		/** A `next()` for the load generators: `premade` pre-signed deliveries in order, then signs on the fly. */
		feed(prefix: string, premade: number): () => Delivery {
			const made = this.batch(prefix, premade);
			let i = 0;
			return () => {
				const next = made[i] ?? this.make(`${prefix}${i}`);
				i++;
				return next;
			};
		},
	};
}
