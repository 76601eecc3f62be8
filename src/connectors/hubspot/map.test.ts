import { describe, expect, it } from "vitest";
import type { CustomerSnapshot } from "../../core/index.ts";
import {
	contactProperties,
	DEFAULT_LIFECYCLE_ORDER,
	lifecycleToSend,
	normalizeEmail,
	splitName,
} from "./map.ts";

describe("HubSpot mapping", () => {
	it("splits a name into first and last on the first space", () => {
		expect(splitName("Ada")).toEqual({ firstname: "Ada" });
		expect(splitName("  Ada   King Lovelace ")).toEqual({
			firstname: "Ada",
			lastname: "King Lovelace",
		});
		expect(splitName("   ")).toEqual({});
		expect(splitName(undefined)).toEqual({});
	});

	it.each([
		["lead", undefined, "lead"],
		["customer", "", "customer"],
		["customer", "lead", "customer"],
		["customer", "customer", undefined],
		["lead", "customer", undefined],
		["customer", "evangelist", undefined],
		["customer", "1234567", undefined],
		[undefined, "lead", undefined],
	] as const)("sends %s over %s → %s", (ours, current, expected) => {
		expect(lifecycleToSend(ours, current, DEFAULT_LIFECYCLE_ORDER)).toBe(
			expected,
		);
	});

	it("does not send a stage the account has removed", () => {
		expect(
			lifecycleToSend("customer", undefined, ["lead", "opportunity"]),
		).toBeUndefined();
	});

	it("omits unknown and blank values, trims the rest, and keeps only readable dates", () => {
		const snapshot: CustomerSnapshot = {
			id: "c",
			email: " Ada@Example.COM ",
			name: "",
			tier: "free",
			plan: " basic ",
			plan_status: "",
			last_payment_at: "2026-01-02T03:04:05Z",
			url: "https://plumb.example/admin/customers/c",
		};
		expect(contactProperties(snapshot, undefined)).toEqual({
			email: "ada@example.com",
			plumb_tier: "free",
			plumb_plan: "basic",
			plumb_last_payment_at: "2026-01-02T03:04:05.000Z",
			plumb_customer_url: "https://plumb.example/admin/customers/c",
		});
	});

	it("only takes something that looks like an address as the upsert key", () => {
		expect(normalizeEmail("not-an-email")).toBeUndefined();
		expect(normalizeEmail(" ")).toBeUndefined();
		expect(normalizeEmail("A@B.io")).toBe("a@b.io");
	});
});
