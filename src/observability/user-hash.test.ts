import { describe, expect, it } from "vitest";
import { personHash, setUserHashSalt, userHash } from "./user-hash.ts";

describe("user id hashes in logs", () => {
	it("is a keyed hash: stable under one salt, different under another, never the id", () => {
		setUserHashSalt("install-one-salt-0123456789");
		const a = userHash("user-42");
		expect(a).toMatch(/^[0-9a-f]{16}$/);
		expect(userHash("user-42")).toBe(a);
		expect(userHash("user-43")).not.toBe(a);
		setUserHashSalt("install-two-salt-0123456789");
		expect(userHash("user-42")).not.toBe(a);
	});

	it("has nothing to hash for a missing id", () => {
		expect(userHash(null)).toBeUndefined();
		expect(userHash(undefined)).toBeUndefined();
		expect(userHash("")).toBeUndefined();
	});

	it("hashes the most stable id an event names, e-mails as identities store them", () => {
		setUserHashSalt("install-one-salt-0123456789");
		expect(personHash({ app_user_id: "u1", email: "a@b.co" })).toBe(
			userHash("u1"),
		);
		expect(personHash({ stripe_customer_id: "cus_1", email: "a@b.co" })).toBe(
			userHash("cus_1"),
		);
		expect(personHash({ email: "  Ada@Example.COM " })).toBe(
			userHash("ada@example.com"),
		);
		expect(personHash(undefined)).toBeUndefined();
	});
});
