/** Helpers for state tests: send Stripe or app events into a test database and read the state back. */
import type { EventData, EventType } from "../../src/core/index.ts";
import type { StripeEnvelope } from "../../src/ingest/index.ts";
import { type Db, insertEvent } from "../../src/store/index.ts";
import { testApp } from "./app.ts";
import { stripeRequest } from "./stripe.ts";

export const T0 = 1_760_000_000; // seconds

let counter = 0;

/** A Stripe envelope (current API shape) around `object`, `seconds` after T0. */
export function stripeEvent(
	type: string,
	object: Record<string, unknown>,
	seconds: number,
	id?: string,
): StripeEnvelope {
	counter += 1;
	return {
		id: id ?? `evt_state_${counter}_${Math.random().toString(36).slice(2, 8)}`,
		type,
		created: T0 + seconds,
		livemode: false,
		data: { object },
	};
}

/** Signs and posts each envelope through the real webhook route; every answer must be 200. */
export async function postStripe(
	db: Db,
	envelopes: readonly StripeEnvelope[],
): Promise<void> {
	const { app } = testApp(db);
	for (const envelope of envelopes) {
		const res = await app.request(
			"/webhooks/stripe",
			stripeRequest(JSON.stringify({ object: "event", ...envelope })),
		);
		if (res.status !== 200)
			throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
	}
}

/** Stores an app event (what the intents route stores) straight into the inbox. */
export async function appEvent(
	db: Db,
	type: EventType,
	data: EventData,
	seconds: number,
	source: "app" | "supabase" = "app",
) {
	counter += 1;
	return insertEvent(db, {
		type,
		source,
		externalId: `app_${counter}_${Math.random().toString(36).slice(2, 8)}`,
		occurredAt: new Date((T0 + seconds) * 1000),
		correlationId: `corr-${counter}`,
		data,
		payload: data,
	});
}

export const objects = {
	subscription: (
		status: string,
		price = "price_pro",
		extra: Record<string, unknown> = {},
	) => ({
		id: "sub_1",
		object: "subscription",
		customer: "cus_1",
		status,
		cancel_at_period_end: false,
		items: {
			data: [{ price: { id: price, lookup_key: null, nickname: null } }],
		},
		...extra,
	}),
	invoicePaid: (n: number, extra: Record<string, unknown> = {}) => ({
		id: `in_${n}`,
		object: "invoice",
		customer: "cus_1",
		customer_email: "Ada@Example.com ",
		status: "paid",
		amount_paid: 2000,
		currency: "usd",
		payment_intent: `pi_${n}`,
		parent: { subscription_details: { subscription: "sub_1" } },
		...extra,
	}),
	invoiceFailed: (n: number, attempt: number) => ({
		id: `in_${n}`,
		object: "invoice",
		customer: "cus_1",
		customer_email: "ada@example.com",
		status: "open",
		amount_due: 2000,
		currency: "usd",
		attempt_count: attempt,
		payment_intent: `pi_${n}`,
		parent: { subscription_details: { subscription: "sub_1" } },
	}),
};

export async function one<T>(
	db: Db,
	sql: string,
	values: unknown[] = [],
): Promise<T> {
	const rows = await db.query<T>(sql, values);
	if (rows.length !== 1)
		throw new Error(`expected one row, got ${rows.length}: ${sql}`);
	return rows[0] as T;
}

export async function count(
	db: Db,
	sql: string,
	values: unknown[] = [],
): Promise<number> {
	const [row] = await db.query<{ n: number }>(
		`select count(*)::int as n from (${sql}) as q`,
		values,
	);
	return row?.n ?? -1;
}
