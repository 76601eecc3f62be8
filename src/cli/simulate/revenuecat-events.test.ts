import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONTRACTS_DIR } from "../../../test/support/contracts.ts";
import { drift } from "../../../test/support/shape-drift.ts";
import {
	type RevenueCatEventType,
	revenueCatEvent,
} from "./revenuecat-events.ts";

/** RevenueCat's own sample delivery of `type` (contracts/revenuecat/sample-events). */
function sample(type: RevenueCatEventType): unknown {
	const file = {
		INITIAL_PURCHASE: "01-INITIAL_PURCHASE.json",
		BILLING_ISSUE: "07-BILLING_ISSUE.json",
		EXPIRATION: "13-EXPIRATION.json",
	}[type];
	return JSON.parse(
		readFileSync(`${CONTRACTS_DIR}revenuecat/sample-events/${file}`, "utf8"),
	);
}

const rcDrift = (ours: unknown, theirs: unknown) =>
	drift(ours, theirs, "body", {
		vendor: "RevenueCat's",
		example: "sample event",
		// Attributes are keyed by name ($email, $idfa, …); each is { value, updated_at_ms }.
		maps: new Set(["body.event.subscriber_attributes"]),
	});

const person = {
	appUserId: "3bdf6a79-2aa0-4cac-a00e-4e223adea3c4",
	anonymousId: "$RCAnonymousID:8069238d6049ce87cc529853916d624c",
	email: "katherine@example.com",
};
const purchase = {
	transactionId: "2000000111111111",
	originalTransactionId: "2000000111111111",
	productId: "pro_weekly",
	price: 4.99,
	trial: false,
	purchasedAtMs: 1_760_000_000_000,
	expirationAtMs: 1_760_604_800_000,
};

describe("simulate's generated RevenueCat events follow RevenueCat's own sample events", () => {
	const types: RevenueCatEventType[] = [
		"INITIAL_PURCHASE",
		"BILLING_ISSUE",
		"EXPIRATION",
	];
	it.each(types)("%s: same field names and JSON types", (type) => {
		for (const trial of [true, false]) {
			const body = revenueCatEvent(
				"rc-1",
				type,
				person,
				{ ...purchase, trial },
				1,
			);
			expect(body.event.type).toBe(type);
			expect(rcDrift(body, sample(type))).toEqual([]);
		}
	});

	it("a drifted field is caught (the check can fail)", () => {
		const body = revenueCatEvent("rc-1", "BILLING_ISSUE", person, purchase, 1);
		const wrong = {
			...body,
			event: {
				...body.event,
				price: "0",
				app_user: "x",
				subscriber_attributes: { $email: { value: 1, updated_at_ms: 1 } },
			},
		};
		expect(rcDrift(wrong, sample("BILLING_ISSUE"))).toEqual([
			"body.event.price: ours is string, RevenueCat's is number",
			"body.event.subscriber_attributes.$email.value: ours is number, RevenueCat's is string",
			"body.event.app_user: not in RevenueCat's sample event",
		]);
	});
});
