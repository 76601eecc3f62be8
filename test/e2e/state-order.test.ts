import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeEnvelope } from "../../src/ingest/index.ts";
import type { Db } from "../../src/store/index.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { historyArbitrary, shuffled } from "../support/histories.ts";
import {
	expectedPayments,
	linksLast,
	paymentStoryArbitrary,
} from "../support/payment-stories.ts";
import { type Shape, storyIds } from "../support/payment-story.ts";
import { postStripe } from "../support/state.ts";
import { drainEvents } from "../support/worker.ts";

const RUNS = Number(process.env.PLUMB_DB_PROPERTY_RUNS ?? 12);

const TABLES = [
	"events",
	"customers",
	"customer_identities",
	"payments",
	"payment_refs",
	"payment_failures",
	"subscriptions",
	"tickets",
	"timeline",
	"deliveries",
	"delivery_attempts",
	"alerts",
];

/** Everything the business state holds, without generated ids and wall-clock timestamps. */
async function snapshot(db: Db): Promise<unknown> {
	return {
		customers: await db.query(
			`select email, email_source, email_as_of, name, app_user_id, plan, plan_status, plan_as_of, tier, lifecycle_stage,
			        lead_source, last_payment_status, last_payment_at, merged_into is null as live
			 from plumb.customers order by email`,
		),
		identities: await db.query(
			"select kind, value from plumb.customer_identities order by kind, value",
		),
		payments: await db.query(
			`select status, status_as_of, first_seen_at, amount, currency, amount_refunded, subscription_ref,
			        array(select ref from plumb.payment_refs r where r.payment_id = p.id order by ref) as refs
			 from plumb.payments p order by refs`,
		),
		subscriptions: await db.query(
			`select provider_ref, status, status_as_of, cancel_at_period_end, plan, plan_as_of, last_paid_at, last_failed_at
			 from plumb.subscriptions order by provider_ref`,
		),
		failures: await db.query(
			"select attempt_ref, occurred_at from plumb.payment_failures order by attempt_ref",
		),
		escalated: (await db.query("select 1 from plumb.tickets")).length > 0,
		events: await db.query(
			"select status, count(*)::int as n from plumb.events group by status order by status",
		),
	};
}

async function replay(
	db: Db,
	deliveries: readonly StripeEnvelope[],
): Promise<unknown> {
	await db.exec(
		`truncate ${TABLES.map((table) => `plumb.${table}`).join(", ")} cascade`,
	);
	await postStripe(db, deliveries);
	await drainEvents(db);
	return snapshot(db);
}

describe.each(backends)(
	"business state is independent of delivery order through the database on %s",
	(backend: Backend) => {
		let t: TestDb;
		beforeAll(async () => {
			t = await freshDb(backend);
		});
		afterAll(async () => {
			await t.dispose();
		});

		it(`signed webhooks in any order, duplicates included, give the rows provider time implies (${RUNS} runs)`, async () => {
			await fc.assert(
				fc.asyncProperty(
					historyArbitrary(10).chain((history) =>
						fc.tuple(fc.constant(history), shuffled(history.deliveries)),
					),
					async ([history, order]) => {
						const byProviderTime = [...history.events].sort(
							(a, b) => a.created - b.created || a.id.localeCompare(b.id),
						);
						const expected = await replay(t.db, byProviderTime);
						const arrived = await replay(t.db, order);
						expect(arrived).toEqual(expected);
						// Guard against a vacuous pass: every order failing the same way would also compare equal.
						expect((arrived as { events: unknown }).events).toEqual([
							{ status: "processed", n: history.events.length },
						]);
					},
				),
				{ numRuns: RUNS },
			);
		}, 120_000);
	},
);

describe.each(backends)(
	"one payment per real payment through the database on %s",
	(backend: Backend) => {
		let t: TestDb;
		beforeAll(async () => {
			t = await freshDb(backend);
		});
		afterAll(async () => {
			await t.dispose();
		});

		it.each<Shape>(["legacy", "current"])(
			`the %s shape: any order, links last or not, duplicates included, gives one payment row per real payment (${RUNS} runs)`,
			async (shape) => {
				await fc.assert(
					fc.asyncProperty(
						paymentStoryArbitrary(shape).chain((history) =>
							fc.tuple(
								fc.constant(history),
								shuffled(history.deliveries),
								fc.boolean(),
							),
						),
						async ([history, order, linkLast]) => {
							const arrival = linkLast ? linksLast(history, order) : order;
							const state = (await replay(t.db, arrival)) as {
								payments: Array<{
									status: string;
									amount_refunded: number;
									refs: string[];
								}>;
								events: unknown;
							};
							const expected = expectedPayments(history);
							expect(state.payments).toHaveLength(expected.length);
							for (const { n, status, refunded } of expected) {
								const ids = storyIds(n);
								const row = state.payments.find((p) =>
									p.refs.includes(ids.intent),
								);
								expect(row?.refs).toContain(ids.invoice);
								expect(row?.status).toBe(status);
								expect(row?.amount_refunded).toBe(refunded ? 500 : 0);
							}
							expect(state.events).toEqual([
								{ status: "processed", n: history.events.length },
							]);
						},
					),
					{ numRuns: RUNS },
				);
			},
			120_000,
		);
	},
);
