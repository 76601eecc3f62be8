import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTRACTS_DIR } from "../../test/support/contracts.ts";
import { bodies, fuzzRuns, type Json } from "../../test/support/fuzz.ts";
import { eventDataSchema } from "../core/index.ts";
import {
	normalizeRevenueCatEvent,
	type RevenueCatEvent,
} from "./revenuecat-normalize.ts";

const SAMPLES = `${CONTRACTS_DIR}revenuecat/sample-events/`;

function sample(file: string): RevenueCatEvent {
	return (
		JSON.parse(readFileSync(`${SAMPLES}${file}`, "utf8")) as {
			event: RevenueCatEvent;
		}
	).event;
}

/** RevenueCat's own sample of every type (file names follow the docs' tabs; NOTES.md explains the odd ones). */
const EXPECTED: Record<string, string> = {
	"01-INITIAL_PURCHASE.json": "payment_succeeded",
	"02-RENEWAL.json": "payment_succeeded",
	"03-CANCELLATION.json": "subscription_updated",
	"04-UNCANCELLATION.json": "subscription_updated",
	"05-NON_RENEWING_PURCHASE.json": "payment_succeeded",
	"06-SUBSCRIPTION_PAUSED.json": "subscription_updated",
	"07-BILLING_ISSUE.json": "payment_failed",
	"08-TRANSFER.json": "customer_updated",
	"09-REFUND.json": "refund_issued",
	"10-PRODUCT_CHANGE.json": "subscription_updated",
	"11-TRIAL_STARTED.json": "subscription_updated",
	"12-TRIAL_CANCELLED.json": "subscription_updated",
	"13-EXPIRATION.json": "subscription_canceled",
	"14-SUBSCRIPTION_EXTENDED.json": "subscription_updated",
	"15-VIRTUAL_CURRENCY_TRANSACTION.json": "ignored",
	"EXPERIMENT_ENROLLMENT.json": "ignored",
	"INVOICE_ISSUANCE.json": "ignored",
	"REFUND_REVERSED.json": "ignored",
	"TEMPORARY_ENTITLEMENT_GRANT.json": "ignored",
	"event-types-and-fields_1.json": "payment_succeeded",
};

describe("RevenueCat sample events → canonical events", () => {
	it("covers every sample file in the contracts", () => {
		expect(readdirSync(SAMPLES).sort()).toEqual(Object.keys(EXPECTED).sort());
	});

	it.each(Object.entries(EXPECTED))(
		"%s → %s, with data the rules accept",
		(file, type) => {
			const event = sample(file);
			const canonical = normalizeRevenueCatEvent(event);
			expect(canonical.type).toBe(type);
			expect(canonical.occurredAt.getTime()).toBe(event.event_timestamp_ms);
			expect(eventDataSchema.parse(canonical.data)).toEqual(canonical.data);
			expect(canonical.data.provider?.event_type).toBe(event.type);
			if (type === "ignored")
				expect(canonical.data.provider?.ignored_reason).toMatch(/RevenueCat/);
		},
	);

	it("reads a purchase: price in minor units of its own currency, the subscription active, the store and the person", () => {
		const { data } = normalizeRevenueCatEvent(
			sample("01-INITIAL_PURCHASE.json"),
		);
		expect(data.payment).toEqual({
			refs: ["rc_txn:123456789012345"],
			attempt_ref: "rc_txn:123456789012345",
			amount: 499,
			currency: "USD",
			subscription_id: "rc_sub:123456789012345",
			plan: "com.subscription.weekly",
		});
		expect(data.subscription).toMatchObject({
			id: "rc_sub:123456789012345",
			status: "active",
			current_period_end: new Date(1659331174000).toISOString(),
		});
		expect(data.customer).toEqual({
			app_user_id: "1234567890",
			app_user_aliases: [
				"$RCAnonymousID:87c6049c58069238dce29853916d624c",
				"$RCAnonymousID:8069238d6049ce87cc529853916d624c",
			],
			email: "firstlast@gmail.com",
		});
		expect(data.provider).toMatchObject({
			store: "APP_STORE",
			environment: "PRODUCTION",
			livemode: true,
		});
		// The renewal sample is in EUR: 7.99 → 799 cents.
		expect(
			normalizeRevenueCatEvent(sample("02-RENEWAL.json")).data.payment?.amount,
		).toBe(799);
	});

	it("a trial is a trialing subscription, not a payment; its cancellation keeps it trialing until it ends", () => {
		const started = normalizeRevenueCatEvent(
			sample("11-TRIAL_STARTED.json"),
		).data;
		expect(started.payment).toBeUndefined();
		expect(started.subscription?.status).toBe("trialing");
		const cancelled = normalizeRevenueCatEvent(
			sample("12-TRIAL_CANCELLED.json"),
		).data;
		expect(cancelled.subscription).toMatchObject({
			status: "trialing",
			cancel_at_period_end: true,
		});
	});

	it("a billing issue is one failed attempt per event, on the subscription, with a reason", () => {
		const { data } = normalizeRevenueCatEvent(sample("07-BILLING_ISSUE.json"));
		expect(data.payment).toMatchObject({
			refs: ["rc_billing_issue:12345678-1234-1234-1234-12345678912"],
			attempt_ref: "rc_billing_issue:12345678-1234-1234-1234-12345678912",
			subscription_id: "rc_sub:100000000000000",
			failure_reason: expect.stringMatching(/App Store could not charge/),
		});
		expect(data.subscription?.status).toBe("past_due");
		// Only anonymous ids: no app user id, but every id still links to the same customer.
		expect(data.customer?.app_user_id).toBeUndefined();
		expect(data.customer?.app_user_aliases).toEqual([
			"$RCAnonymousID:12345678-1234-1234-1234-123456789123",
		]);
	});

	it("a CUSTOMER_SUPPORT cancellation is a refund of that transaction; a transfer names the receiving user", () => {
		const refund = normalizeRevenueCatEvent(sample("09-REFUND.json")).data;
		expect(refund.refund).toEqual({
			refs: ["rc_txn:100000000000000"],
			amount_refunded: 999,
			currency: "USD",
			fully_refunded: true,
		});
		expect(refund.customer?.app_user_id).toBe("user_1234");
		const transfer = normalizeRevenueCatEvent(sample("08-TRANSFER.json")).data;
		expect(transfer.customer).toEqual({
			app_user_id: "4BEDB450-8EF2-11E9-B475-0800200C9A66",
		});
	});

	it("flags sandbox purchases and ends the subscription on expiration", () => {
		const sandbox = normalizeRevenueCatEvent({
			...sample("13-EXPIRATION.json"),
			environment: "SANDBOX",
		}).data;
		expect(sandbox.provider).toMatchObject({
			environment: "SANDBOX",
			livemode: false,
		});
		expect(sandbox.subscription?.status).toBe("canceled");
	});

	it("any field of a sample replaced, removed or added still gives data the rules accept", () => {
		const templates = Object.keys(EXPECTED).map(
			(file) => sample(file) as unknown as Json,
		);
		fc.assert(
			fc.property(
				bodies(templates, (body) => body),
				(body) => {
					const event = body as unknown as RevenueCatEvent;
					if (
						typeof event !== "object" ||
						event === null ||
						Array.isArray(event) ||
						typeof event.id !== "string" ||
						typeof event.type !== "string" ||
						!Number.isSafeInteger(event.event_timestamp_ms)
					)
						return; // revenuecat.ts refuses these with 400 before normalizing
					const { data } = normalizeRevenueCatEvent(event);
					expect(eventDataSchema.parse(data)).toEqual(data);
				},
			),
			{ numRuns: fuzzRuns(200) },
		);
	});
});
