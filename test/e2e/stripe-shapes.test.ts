/**
 * Issue 14: one $20 subscription payment (checkout, invoice, InvoicePayment on the current shape,
 * a $5 refund, a dispute) is ONE payment row, on the legacy (2020-08-27) and the current
 * (2026-07-29.dahlia) payload shapes alike, through the signed webhook and the event worker.
 */
import { describe, expect, it } from "vitest";
import { type Backend, backends, useFreshDb } from "../support/db.ts";
import {
	type Shape,
	STORY,
	storyEnvelope,
	storyIds,
	storyObject,
	twentyDollarStory,
} from "../support/payment-story.ts";
import { count, one, postStripe, T0 } from "../support/state.ts";
import { drainEvents } from "../support/worker.ts";

const SHAPES: Shape[] = ["legacy", "current"];

describe.each(backends)(
	"one payment per real payment on %s",
	(backend: Backend) => {
		const t = useFreshDb(backend);

		describe.each(SHAPES)("the %s shape", (shape) => {
			it("the $20 subscription payment, refunded $5 and disputed, is one payment row, an active subscription, one CRM contact and one dispute ticket", async () => {
				const kinds = twentyDollarStory(shape);
				const events = kinds.map((kind, i) =>
					storyEnvelope(shape, storyObject(shape, kind), T0 + i * 5),
				);
				await postStripe(t.db, events);
				expect(await drainEvents(t.db)).toBe(events.length);

				const ids = storyIds(1);
				const payment = await one<{
					status: string;
					amount: number;
					currency: string;
					amount_refunded: number;
					subscription_ref: string | null;
					dispute_ref: string | null;
					refs: string[];
				}>(
					t.db,
					`select status, amount, currency, amount_refunded, subscription_ref, dispute_ref,
				        array(select ref from plumb.payment_refs r where r.payment_id = p.id order by ref) as refs
				 from plumb.payments p`,
				);
				expect(payment).toMatchObject({
					status: "disputed",
					amount: STORY.amount,
					currency: STORY.currency,
					amount_refunded: STORY.refunded,
					subscription_ref: STORY.subscription,
					dispute_ref: ids.dispute,
				});
				expect(payment.refs).toEqual(
					expect.arrayContaining([
						ids.session,
						ids.invoice,
						ids.intent,
						ids.charge,
					]),
				);
				const subscription = await one<{ status: string }>(
					t.db,
					"select status from plumb.subscriptions",
				);
				expect(subscription.status).toBe("active");
				const customer = await one<{
					email: string;
					lifecycle_stage: string;
					last_payment_status: string;
				}>(
					t.db,
					"select email, lifecycle_stage, last_payment_status from plumb.customers where merged_into is null",
				);
				expect(customer).toEqual({
					email: STORY.email,
					lifecycle_stage: "customer",
					last_payment_status: "disputed",
				});
				// One contact: the CRM sync is coalesced to one waiting delivery for the one customer.
				expect(
					await count(
						t.db,
						"select * from plumb.deliveries where action = 'crm_sync' and status = 'pending'",
					),
				).toBe(1);
				expect(
					await count(
						t.db,
						"select * from plumb.tickets where category = 'dispute' and issue_key = $1",
						[`dispute:${ids.dispute}`],
					),
				).toBe(1);
				expect(await count(t.db, "select * from plumb.tickets")).toBe(1);
			});

			it("the same events in reverse order, links last, end in the same single payment", async () => {
				const kinds = [...twentyDollarStory(shape)].reverse();
				const events = kinds.map((kind, i) =>
					storyEnvelope(shape, storyObject(shape, kind), T0 + 100 - i * 5),
				);
				await postStripe(t.db, events);
				await drainEvents(t.db);
				const rows = await t.db.query<{
					status: string;
					amount_refunded: number;
				}>("select status, amount_refunded from plumb.payments");
				expect(rows).toEqual([
					{ status: "disputed", amount_refunded: STORY.refunded },
				]);
				expect(
					await count(
						t.db,
						"select * from plumb.customers where merged_into is null",
					),
				).toBe(1);
			});
		});
	},
);
