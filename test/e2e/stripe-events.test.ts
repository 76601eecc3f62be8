/**
 * Issue 14 item 3: the Stripe events a founder subscribes to today, each through the signed webhook
 * and the event worker, with the state change and side effects the table in docs/stripe.md states.
 */
import { describe, expect, it } from "vitest";
import { type Backend, backends, useFreshDb } from "../support/db.ts";
import {
	STORY,
	type StoryKind,
	storyEnvelope,
	storyObject,
} from "../support/payment-story.ts";
import { count, one, postStripe, T0 } from "../support/state.ts";
import { stripeObject } from "../support/stripe.ts";
import { drainEvents } from "../support/worker.ts";

const current = (
	kind: StoryKind,
	at: number,
	extra: Record<string, unknown> = {},
) => {
	const step = storyObject("current", kind, 1);
	return storyEnvelope(
		"current",
		{ ...step, object: { ...step.object, ...extra } },
		T0 + at,
	);
};
const event = (type: string, object: Record<string, unknown>, at: number) =>
	storyEnvelope("current", { type, object }, T0 + at);

describe.each(backends)(
	"the Stripe events a founder subscribes to, on %s",
	(backend: Backend) => {
		const t = useFreshDb(backend);

		const payment = () =>
			one<{ status: string; amount_refunded: number }>(
				t.db,
				"select status, amount_refunded from plumb.payments",
			);
		const customer = () =>
			one<{
				name: string | null;
				email: string;
				last_payment_status: string | null;
			}>(
				t.db,
				"select name, email, last_payment_status from plumb.customers where merged_into is null",
			);

		/** Checkout, invoice, InvoicePayment and a dispute: a paid, disputed payment with an open dispute ticket. */
		async function disputedPayment() {
			await postStripe(t.db, [
				current("checkout", 0),
				current("invoice_paid", 1),
				current("invoice_payment", 2),
				current("dispute_created", 60),
			]);
			await drainEvents(t.db);
			expect((await payment()).status).toBe("disputed");
			expect(
				await count(
					t.db,
					"select * from plumb.tickets where category = 'dispute'",
				),
			).toBe(1);
		}

		it("charge.dispute.closed won: the payment is restored, the customer reads paid, the dispute ticket gets a comment, no alert", async () => {
			await disputedPayment();
			await postStripe(t.db, [
				current("dispute_closed", 3600, { status: "won" }),
			]);
			await drainEvents(t.db);
			expect(await payment()).toMatchObject({ status: "dispute_won" });
			expect((await customer()).last_payment_status).toBe("paid");
			const comments = await t.db.query<{ payload: { message: string } }>(
				"select payload from plumb.deliveries where action = 'add_comment'",
			);
			expect(comments.map((c) => c.payload.message)).toEqual([
				expect.stringContaining("the payment stands"),
			]);
			expect(
				await count(
					t.db,
					"select * from plumb.alerts where kind = 'dispute_lost'",
				),
			).toBe(0);
		});

		it("charge.dispute.closed lost: the payment is lost, an alert is raised once, and the dispute ticket is told", async () => {
			await disputedPayment();
			const closed = current("dispute_closed", 3600, { status: "lost" });
			await postStripe(t.db, [closed, { ...closed, id: `${closed.id}_again` }]);
			await drainEvents(t.db);
			expect(await payment()).toMatchObject({ status: "dispute_lost" });
			expect((await customer()).last_payment_status).toBe("disputed");
			const alert = await one<{ severity: string; title: string }>(
				t.db,
				"select severity, title from plumb.alerts where kind = 'dispute_lost'",
			);
			expect(alert.severity).toBe("warning");
			expect(alert.title).toContain(STORY.email);
			expect(
				await count(
					t.db,
					"select * from plumb.deliveries where action = 'add_comment'",
				),
			).toBeGreaterThanOrEqual(1);
		});

		it("refund.created, before or without charge.refunded, marks the payment refunded by the refund's amount; a pending one changes nothing", async () => {
			await postStripe(t.db, [
				current("invoice_paid", 0),
				current("invoice_payment", 1),
				current("refund_created", 30, { status: "pending", id: "re_pending" }),
			]);
			await drainEvents(t.db);
			expect(await payment()).toEqual({
				status: "succeeded",
				amount_refunded: 0,
			});
			await postStripe(t.db, [current("refund_created", 40)]);
			await drainEvents(t.db);
			expect(await payment()).toEqual({
				status: "refunded",
				amount_refunded: STORY.refunded,
			});
		});

		it("customer.updated changes the billing name and queues one CRM sync; customer.deleted keeps the record and changes nothing", async () => {
			const stripeCustomer = {
				...stripeObject("customer"),
				id: STORY.customer,
				email: STORY.email,
				name: "Ada Lovelace",
			};
			await postStripe(t.db, [event("customer.created", stripeCustomer, 0)]);
			await drainEvents(t.db);
			expect(await customer()).toMatchObject({
				name: "Ada Lovelace",
				email: STORY.email,
			});
			await postStripe(t.db, [
				event("customer.updated", { ...stripeCustomer, name: "Ada King" }, 10),
			]);
			await drainEvents(t.db);
			expect((await customer()).name).toBe("Ada King");
			expect(
				await count(
					t.db,
					"select * from plumb.deliveries where action = 'crm_sync'",
				),
			).toBe(1);
			const before = await customer();
			await postStripe(t.db, [event("customer.deleted", stripeCustomer, 20)]);
			await drainEvents(t.db);
			expect(await customer()).toEqual(before);
			const entry = await one<{ summary: string }>(
				t.db,
				"select summary from plumb.timeline where kind = 'customer_deleted'",
			);
			expect(entry.summary).toContain(STORY.customer);
			// A deletion of someone Plumb never met starts no record.
			await postStripe(t.db, [
				event(
					"customer.deleted",
					{ ...stripeCustomer, id: "cus_stranger", email: null },
					30,
				),
			]);
			await drainEvents(t.db);
			expect(await count(t.db, "select * from plumb.customers")).toBe(1);
		});

		it("customer.subscription.paused and .resumed move the subscription's status", async () => {
			await postStripe(t.db, [
				current("subscription_created", 0),
				current("subscription_created", 0),
			]);
			const paused = storyObject("current", "subscription_created").object;
			await postStripe(t.db, [
				event(
					"customer.subscription.paused",
					{ ...paused, status: "paused" },
					100,
				),
			]);
			await drainEvents(t.db);
			const status = () =>
				one<{ status: string }>(t.db, "select status from plumb.subscriptions");
			expect((await status()).status).toBe("paused");
			await postStripe(t.db, [
				event(
					"customer.subscription.resumed",
					{ ...paused, status: "active" },
					200,
				),
			]);
			await drainEvents(t.db);
			expect((await status()).status).toBe("active");
		});

		it("anything else is stored ignored, acknowledged 200, with its reason on the event and changes nothing", async () => {
			await postStripe(t.db, [
				event("product.created", stripeObject("product"), 0),
			]);
			await drainEvents(t.db);
			const row = await one<{
				type: string;
				status: string;
				data: { provider: { ignored_reason: string } };
			}>(t.db, "select type, status, data from plumb.events");
			expect(row).toMatchObject({ type: "ignored", status: "processed" });
			expect(row.data.provider.ignored_reason).toBe(
				"Plumb does not act on product.created events",
			);
			expect(await count(t.db, "select * from plumb.payments")).toBe(0);
			expect(await count(t.db, "select * from plumb.deliveries")).toBe(0);
		});
	},
);
