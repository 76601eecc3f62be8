/**
 * An Expo app's subscriber, end to end through the real connectors: Supabase signup (app intent) →
 * RevenueCat trial → initial purchase → two billing issues → expiration. One customer, one CRM contact
 * naming RevenueCat as the billing provider, one billing ticket, one alert.
 */
import { describe, expect, it } from "vitest";
import { type Backend, backends } from "../support/db.ts";
import { postRevenueCat, revenueCatEvent } from "../support/revenuecat.ts";
import { appEvent, count } from "../support/state.ts";
import { useVendorFlow } from "../support/vendor-flow.ts";

const DAY = 86_400;
const TOKEN = "pat-na1-journey-0000-1111-2222";
const ZD = { email: "agent@plumb.example", token: "zdtok-journey-0123456789" };
const USER = "3f2b8c1e-7d4a-4e6b-9a51-2c8d0e4f6a7b"; // a Supabase auth user id
const EMAIL = "ada@example.com";

describe.each(backends)(
	"an Expo subscriber's RevenueCat journey on %s",
	(backend: Backend) => {
		const flow = useVendorFlow(backend, {
			hubspotToken: TOKEN,
			zendesk: ZD,
		});

		it("trial → initial purchase → billing issue twice → expiration: canceled, one contact, one ticket, one alert", async () => {
			await appEvent(
				flow.testDb.db,
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
			await postRevenueCat(flow.testDb.db, [
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
					flow.testDb.db,
					"select * from plumb.events where source = 'revenuecat'",
				),
			).toBe(5);
			await flow.deliverAll();

			const customers = await flow.testDb.db.query<{
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
			expect(flow.hubspot.contacts.size).toBe(1);
			expect(flow.hubspot.contacts.get(EMAIL)?.properties).toMatchObject({
				plumb_app_user_id: USER,
				plumb_billing_provider: "revenuecat",
				plumb_plan_status: "canceled",
				lifecyclestage: "customer",
			});
			expect(flow.zendesk.tickets.size).toBe(1);
			const [ticket] = [...flow.zendesk.tickets.values()];
			expect(ticket?.tags).toContain("billing_issue");
			expect(ticket?.requester).toMatchObject({ email: EMAIL });
			expect(flow.slack.messages).toHaveLength(1);
		});
	},
);
