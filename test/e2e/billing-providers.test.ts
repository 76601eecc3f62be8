/**
 * One person paying through PayPal (web) and RevenueCat (the Expo app): both link to the Supabase user's
 * customer (by e-mail, then app user id), both show on the customer page with store and environment, and
 * the CRM names the provider of the latest billing event.
 */
import { describe, expect, it } from "vitest";
import {
	normalizePaypalEvent,
	type PaypalEnvelope,
} from "../../src/ingest/index.ts";
import { insertEvent, loadTrace } from "../../src/store/index.ts";
import { testApp } from "../support/app.ts";
import { type Backend, backends, useFreshDb } from "../support/db.ts";
import {
	certServer,
	delivery,
	justAfter,
	PAYPAL_ENV,
	paypalDisputeResource,
	paypalRequest,
} from "../support/paypal.ts";
import { postRevenueCat, revenueCatEvent } from "../support/revenuecat.ts";
import { appEvent, count, one } from "../support/state.ts";
import { drainEvents } from "../support/worker.ts";
import { login } from "./admin-fixtures.ts";

const USER = "3f2b8c1e-7d4a-4e6b-9a51-2c8d0e4f6a7b";
/** The subscriber e-mail in PayPal's captured BILLING.SUBSCRIPTION.CREATED. */
const EMAIL = "customer@example.com";

describe.each(backends)(
	"one customer across billing providers on %s",
	(backend: Backend) => {
		const testDb = useFreshDb(backend);

		it("links a PayPal subscriber (by e-mail) and a sandbox RevenueCat purchase (by app user id) to the signed-up user", async () => {
			await appEvent(
				testDb.db,
				"signup",
				{ customer: { app_user_id: USER, email: EMAIL } },
				0,
			);
			const created = delivery("BILLING.SUBSCRIPTION.CREATED");
			const paypal = testApp(testDb.db, {
				env: PAYPAL_ENV,
				now: () => justAfter(created),
				fetch: certServer().fetch,
			});
			expect(
				(await paypal.app.request("/webhooks/paypal", paypalRequest(created)))
					.status,
			).toBe(200);
			await postRevenueCat(testDb.db, [
				revenueCatEvent("INITIAL_PURCHASE", 3_600, {
					app_user_id: USER,
					subscriber_attributes: {},
					environment: "SANDBOX",
					store: "PLAY_STORE",
					transaction_id: "GPA.3300-0000-0000-00001",
					original_transaction_id: "GPA.3300-0000-0000-00001",
				}),
			]);
			await drainEvents(testDb.db);

			const customer = await one<{
				id: string;
				plan: string;
				plan_status: string;
				billing_provider: string;
			}>(
				testDb.db,
				"select id, plan, plan_status, billing_provider from plumb.customers where merged_into is null",
			);
			// PayPal's subscription awaits approval; the app's is active, so it defines the plan, and is the latest.
			expect(customer).toEqual({
				id: expect.any(String),
				plan: "com.subscription.weekly",
				plan_status: "active",
				billing_provider: "revenuecat",
			});
			const subscriptions = await testDb.db.query<{
				provider_ref: string;
				customer_id: string;
			}>(
				"select provider_ref, customer_id from plumb.subscriptions order by provider_ref",
			);
			expect(subscriptions).toEqual([
				{ provider_ref: "I-BW452GLLEP1G", customer_id: customer?.id },
				{
					provider_ref: "rc_sub:GPA.3300-0000-0000-00001",
					customer_id: customer?.id,
				},
			]);

			// plumb trace: the store's transaction id (without Plumb's prefix) and PayPal's event id both lead here.
			const byTransaction = await loadTrace(
				testDb.db,
				"GPA.3300-0000-0000-00001",
			);
			expect(byTransaction.customers.map((c) => c.id)).toEqual([customer?.id]);
			const rcEntry = byTransaction.entries.find(
				(entry) =>
					entry.kind === "event" && entry.summary.startsWith("revenuecat"),
			);
			expect(rcEntry?.summary).toBe(
				"revenuecat INITIAL_PURCHASE → payment_succeeded",
			);
			expect(rcEntry?.detail).toMatch(/PLAY_STORE · sandbox · occurred/);
			const byPaypalEvent = await loadTrace(
				testDb.db,
				"WH-TY567577T725889R5-1E6T55435R66166TR",
			);
			expect(byPaypalEvent.matched).toContain("provider event id");
			expect(byPaypalEvent.entries[0]?.summary).toBe(
				"paypal BILLING.SUBSCRIPTION.CREATED → subscription_updated",
			);

			const { app } = testApp(testDb.db);
			const session = await login(app);
			const res = await app.request(`/admin/customers/${customer?.id}`, {
				headers: { cookie: session.cookie },
			});
			expect(res.status).toBe(200);
			const html = await res.text();
			const billing = html.slice(
				html.indexOf("Billing providers"),
				html.indexOf("<h3>Payments"),
			);
			expect(billing).toContain('<td data-label="provider">revenuecat</td>');
			expect(billing).toContain('<td data-label="store">PLAY_STORE</td>');
			expect(billing).toContain("sandbox");
			expect(billing).toContain('<td data-label="provider">paypal</td>');
			expect(html).toContain("I-BW452GLLEP1G");
		});

		it("a PayPal dispute on a capture the app tagged with the user id opens one urgent dispute ticket and alert, in PayPal's words", async () => {
			await appEvent(
				testDb.db,
				"signup",
				{ customer: { app_user_id: USER, email: EMAIL } },
				0,
			);
			// No dispute delivery was captured, and only PayPal can sign one: these two events are stored
			// as the route stores them, normalized from PayPal's shapes (the capture is the captured one,
			// with the app's custom_id that docs/paypal.md asks for).
			const capture = JSON.parse(
				delivery("PAYMENT.CAPTURE.COMPLETED").body,
			) as PaypalEnvelope;
			capture.resource.custom_id = USER;
			const dispute: PaypalEnvelope = {
				id: "WH-DISPUTE-E2E-1",
				event_type: "CUSTOMER.DISPUTE.CREATED",
				create_time: "2022-09-01T10:00:00Z",
				resource: paypalDisputeResource(),
			};
			for (const event of [capture, dispute]) {
				const canonical = normalizePaypalEvent(event, new Date());
				await insertEvent(testDb.db, {
					...canonical,
					source: "paypal",
					externalId: event.id,
					correlationId: `corr-${event.id}`,
					payload: event,
				});
			}
			await drainEvents(testDb.db);
			const tickets = await testDb.db.query<{
				issue_key: string;
				priority: string;
				subject: string;
			}>("select issue_key, priority, subject from plumb.tickets");
			expect(tickets).toEqual([
				{
					issue_key: "dispute:PP-D-4012",
					priority: "urgent",
					subject: expect.stringMatching(/Dispute opened/),
				},
			]);
			const deliveries = await testDb.db.query<{
				payload: {
					comment?: { body?: string };
					ticket?: { comment?: { body?: string } };
				};
			}>("select payload from plumb.deliveries where action = 'create_ticket'");
			expect(JSON.stringify(deliveries)).toContain(
				"Respond in PayPal before the evidence deadline.",
			);
			expect(
				await count(
					testDb.db,
					"select * from plumb.alerts where kind = 'dispute'",
				),
			).toBe(1);
			expect(
				await one<{
					status: string;
					billing_provider: string;
					last_payment_status: string;
				}>(
					testDb.db,
					"select p.status, c.billing_provider, c.last_payment_status from plumb.payments p join plumb.customers c on c.id = p.customer_id",
				),
			).toEqual({
				status: "disputed",
				billing_provider: "paypal",
				last_payment_status: "disputed",
			});
		});

		it("a RevenueCat TRANSFER moves the subscription to the receiving user: two people stay two customers", async () => {
			const store = {
				subscriber_attributes: {},
				aliases: [],
				original_app_user_id: null,
				original_transaction_id: "2000000333333333",
			};
			await postRevenueCat(testDb.db, [
				revenueCatEvent("INITIAL_PURCHASE", 10, {
					...store,
					app_user_id: "user-a",
					transaction_id: "2000000333333333",
				}),
			]);
			await drainEvents(testDb.db);
			// RevenueCat's TRANSFER sample names only the users (its other fields are the purchase sample's).
			await postRevenueCat(testDb.db, [
				revenueCatEvent("TRANSFER", 20, {
					...store,
					app_user_id: undefined,
					transferred_from: ["user-a"],
					transferred_to: ["user-b"],
				}),
				revenueCatEvent("RENEWAL", 30, {
					...store,
					app_user_id: "user-b",
					transaction_id: "2000000444444444",
				}),
			]);
			await drainEvents(testDb.db);
			const rows = await testDb.db.query<{
				app_user_id: string;
				subscriptions: string[];
			}>(
				`select c.app_user_id, array(select s.provider_ref from plumb.subscriptions s where s.customer_id = c.id) as subscriptions
				 from plumb.customers c where c.merged_into is null order by c.app_user_id`,
			);
			expect(rows).toEqual([
				{ app_user_id: "user-a", subscriptions: [] },
				{ app_user_id: "user-b", subscriptions: ["rc_sub:2000000333333333"] },
			]);
		});
	},
);
