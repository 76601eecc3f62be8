/**
 * End to end through the real connectors: signed Stripe webhooks → inbox → event worker (rules) →
 * deliveries → delivery worker → HubSpot, Zendesk and Slack stand-ins on loopback.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/index.ts";
import { createConnectors } from "../../src/connectors/index.ts";
import { testConfig } from "../support/app.ts";
import { waitFor } from "../support/child.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import {
	startTestWorker,
	type TestWorker,
	testSettings,
} from "../support/delivery-worker.ts";
import { count, objects, postStripe, stripeEvent } from "../support/state.ts";
import {
	connectorLogs,
	startHubSpotStandIn,
	startSlackStandIn,
	startZendeskStandIn,
} from "../support/vendor-stand-ins.ts";
import { drainEvents } from "../support/worker.ts";

const DAY = 86_400;
const TOKEN = "pat-na1-flows-0000-1111-2222";
const ZD = { email: "agent@plumb.example", token: "zdtok-flows-0123456789" };

describe.each(backends)(
	"events to vendors through the real connectors on %s",
	(backend: Backend) => {
		let testDb: TestDb;
		let hubspot: Awaited<ReturnType<typeof startHubSpotStandIn>>;
		let zendesk: Awaited<ReturnType<typeof startZendeskStandIn>>;
		let slack: Awaited<ReturnType<typeof startSlackStandIn>>;
		let worker: TestWorker | undefined;
		let config: Config;

		beforeEach(async () => {
			testDb = await freshDb(backend);
			[hubspot, zendesk, slack] = await Promise.all([
				startHubSpotStandIn({ token: TOKEN }),
				startZendeskStandIn(ZD),
				startSlackStandIn(),
			]);
			config = testConfig({
				HUBSPOT_ACCESS_TOKEN: TOKEN,
				HUBSPOT_BASE_URL: hubspot.url,
				ZENDESK_BASE_URL: zendesk.url,
				ZENDESK_EMAIL: ZD.email,
				ZENDESK_API_TOKEN: ZD.token,
				SLACK_WEBHOOK_URL: slack.webhookUrl,
			});
		});
		afterEach(async () => {
			await worker?.stop();
			worker = undefined;
			await Promise.all([hubspot.close(), zendesk.close(), slack.close()]);
			await testDb.dispose();
		});

		/** Runs the rules, then the delivery worker with the production connectors until nothing is left to do. */
		async function deliverAll(): Promise<void> {
			await drainEvents(testDb.db, config);
			worker = await startTestWorker(testDb, {
				connectors: createConnectors(config, {
					logger: connectorLogs().logger,
				}),
				settings: testSettings({ timeoutMs: 5_000, leaseMs: 10_000 }),
			});
			await waitFor(
				async () =>
					(await count(
						testDb.db,
						"select * from plumb.deliveries where status not in ('succeeded', 'skipped', 'dead')",
					)) === 0,
				20_000,
			);
		}

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
			await postStripe(testDb.db, [checkout, checkout]);
			await deliverAll();
			expect(hubspot.contacts.size).toBe(1);
			const contact = hubspot.contacts.get("ada@example.com");
			expect(contact?.properties).toMatchObject({
				email: "ada@example.com",
				lifecyclestage: "customer",
				plumb_last_payment_status: "paid",
				plumb_app_user_id: "user-1",
			});
			const rows = await testDb.db.query<{
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
			await postStripe(testDb.db, [
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
			expect(zendesk.tickets.size).toBe(1);
			const [ticket] = [...zendesk.tickets.values()];
			expect(ticket?.tags).toContain("billing_issue");
			expect(ticket?.external_id).toMatch(/^billing:/);
			expect(ticket?.requester).toMatchObject({ email: "ada@example.com" });
			expect(JSON.stringify(ticket?.comments[0])).toContain("pi_1");
			expect(slack.messages).toHaveLength(1);
			expect(
				await count(
					testDb.db,
					"select * from plumb.deliveries where destination = 'email' and status = 'skipped'",
				),
			).toBe(1);
		});
	},
);
