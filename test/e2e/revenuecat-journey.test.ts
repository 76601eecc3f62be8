/**
 * An Expo app's subscriber, end to end through the real connectors: Supabase signup (app intent) →
 * RevenueCat trial → initial purchase → two billing issues → expiration. One customer, one CRM contact
 * naming RevenueCat as the billing provider, one billing ticket, one alert.
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
import { postRevenueCat, revenueCatEvent } from "../support/revenuecat.ts";
import { appEvent, count } from "../support/state.ts";
import {
	connectorLogs,
	startHubSpotStandIn,
	startSlackStandIn,
	startZendeskStandIn,
} from "../support/vendor-stand-ins.ts";
import { drainEvents } from "../support/worker.ts";

const DAY = 86_400;
const TOKEN = "pat-na1-journey-0000-1111-2222";
const ZD = { email: "agent@plumb.example", token: "zdtok-journey-0123456789" };
const USER = "3f2b8c1e-7d4a-4e6b-9a51-2c8d0e4f6a7b"; // a Supabase auth user id
const EMAIL = "ada@example.com";

describe.each(backends)(
	"an Expo subscriber's RevenueCat journey on %s",
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

		it("trial → initial purchase → billing issue twice → expiration: canceled, one contact, one ticket, one alert", async () => {
			await appEvent(
				testDb.db,
				"signup",
				{ customer: { app_user_id: USER, email: EMAIL } },
				0,
			);
			const person = {
				app_user_id: USER,
				original_app_user_id: "$RCAnonymousID:8069238d6049ce87cc529853916d624c",
				subscriber_attributes: {
					$email: { updated_at_ms: (1_760_000_000 + 60) * 1000, value: EMAIL },
				},
				transaction_id: "2000000111111111",
				original_transaction_id: "2000000111111111",
			};
			const trial = revenueCatEvent("INITIAL_PURCHASE", 60, {
				...person,
				period_type: "TRIAL",
				price: 0,
				price_in_purchased_currency: 0,
			});
			await postRevenueCat(testDb.db, [
				trial,
				trial, // RevenueCat's at-least-once delivery: the same id again.
				revenueCatEvent("INITIAL_PURCHASE", 7 * DAY, {
					...person,
					transaction_id: "2000000222222222",
				}),
				revenueCatEvent("BILLING_ISSUE", 37 * DAY, {
					...person,
					price: 0,
					price_in_purchased_currency: 0,
				}),
				revenueCatEvent("BILLING_ISSUE", 40 * DAY, {
					...person,
					price: 0,
					price_in_purchased_currency: 0,
				}),
				revenueCatEvent("EXPIRATION", 44 * DAY, {
					...person,
					expiration_reason: "BILLING_ERROR",
					price: 0,
					price_in_purchased_currency: 0,
				}),
			]);
			expect(
				await count(
					testDb.db,
					"select * from plumb.events where source = 'revenuecat'",
				),
			).toBe(5);
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

			const customers = await testDb.db.query<{
				app_user_id: string;
				email: string;
				plan: string;
				plan_status: string;
				billing_provider: string;
				last_payment_status: string;
			}>(
				"select app_user_id, email, plan, plan_status, billing_provider, last_payment_status from plumb.customers where merged_into is null",
			);
			expect(customers).toEqual([
				{
					app_user_id: USER,
					email: EMAIL,
					plan: "com.subscription.weekly",
					plan_status: "canceled",
					billing_provider: "revenuecat",
					last_payment_status: "failed",
				},
			]);
			expect(hubspot.contacts.size).toBe(1);
			expect(hubspot.contacts.get(EMAIL)?.properties).toMatchObject({
				plumb_app_user_id: USER,
				plumb_billing_provider: "revenuecat",
				plumb_plan_status: "canceled",
				lifecyclestage: "customer",
			});
			expect(zendesk.tickets.size).toBe(1);
			const [ticket] = [...zendesk.tickets.values()];
			expect(ticket?.tags).toContain("billing_issue");
			expect(ticket?.requester).toMatchObject({ email: EMAIL });
			expect(slack.messages).toHaveLength(1);
		});
	},
);
