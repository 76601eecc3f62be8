/**
 * End to end through the real connectors: signed Stripe webhooks → inbox → event worker (rules) →
 * deliveries → delivery worker → HubSpot, Zendesk and Slack stand-ins on loopback.
 */
import { describe, expect, it } from "vitest";
import { type Backend, backends } from "../support/db.ts";
import { count, objects, postStripe, stripeEvent } from "../support/state.ts";
import { useVendorFlow } from "../support/vendor-flow.ts";

const DAY = 86_400;
const TOKEN = "pat-na1-flows-0000-1111-2222";
const ZD = { email: "agent@plumb.example", token: "zdtok-flows-0123456789" };

describe.each(backends)(
	"events to vendors through the real connectors on %s",
	(backend: Backend) => {
		const flow = useVendorFlow(backend, {
			hubspotToken: TOKEN,
			zendesk: ZD,
		});
		const { deliverAll } = flow;

		it("a signed Stripe checkout.session.completed → exactly one HubSpot contact, lifecycle customer", async () => {
			const checkout = stripeEvent(
				"checkout.session.completed",
				{
					id: "cs_1",
					object: "checkout.session",
					customer: "cus_1",
					customer_details: { email: "Ada@Example.com", name: "Ada Lovelace" },
					client_reference_id: "user-1",
					payment_status: "paid",
					mode: "payment",
					payment_intent: "pi_1",
					amount_total: 2000,
					currency: "usd",
				},
				5,
			);
			// Stripe delivers it twice (a retry): still one event, one sync, one contact.
			await postStripe(flow.testDb.db, [checkout, checkout]);
			await deliverAll();
			expect(flow.hubspot.contacts.size).toBe(1);
			const contact = flow.hubspot.contacts.get("ada@example.com");
			expect(contact?.properties).toMatchObject({
				email: "ada@example.com",
				lifecyclestage: "customer",
				plumb_last_payment_status: "paid",
				plumb_app_user_id: "user-1",
			});
			const rows = await flow.testDb.db.query<{
				status: string;
				external_ref: string;
			}>(
				"select status, external_ref from plumb.deliveries where destination = 'hubspot'",
			);
			expect(rows).toEqual([
				{ status: "succeeded", external_ref: contact?.id },
			]);
		});

		it("two invoice.payment_failed within 30 days → exactly one Zendesk ticket tagged billing_issue and one Slack alert", async () => {
			await postStripe(flow.testDb.db, [
				stripeEvent(
					"customer.subscription.created",
					objects.subscription("active"),
					0,
				),
				stripeEvent("invoice.payment_failed", objects.invoiceFailed(1, 1), 10),
				stripeEvent(
					"invoice.payment_failed",
					objects.invoiceFailed(1, 2),
					3 * DAY,
				),
			]);
			await deliverAll();
			expect(flow.zendesk.tickets.size).toBe(1);
			const [ticket] = [...flow.zendesk.tickets.values()];
			expect(ticket?.tags).toContain("billing_issue");
			expect(ticket?.external_id).toMatch(/^billing:/);
			expect(ticket?.requester).toMatchObject({ email: "ada@example.com" });
			expect(JSON.stringify(ticket?.comments[0])).toContain("pi_1");
			expect(flow.slack.messages).toHaveLength(1);
			expect(
				await count(
					flow.testDb.db,
					"select * from plumb.deliveries where destination = 'email' and status = 'skipped'",
				),
			).toBe(1);
		});
	},
);
