import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limit.ts";

describe("createRateLimiter", () => {
	it("lets a burst of perMinute through, then refills evenly and says when to come back", () => {
		let now = 0;
		const limiter = createRateLimiter({ now: () => now });
		for (let i = 0; i < 60; i++)
			expect(limiter.take("a", 60)).toEqual({ allowed: true });
		expect(limiter.take("a", 60)).toEqual({
			allowed: false,
			retryAfterSeconds: 1,
		});
		now += 1_000;
		expect(limiter.take("a", 60)).toEqual({ allowed: true });
		expect(limiter.take("a", 60).allowed).toBe(false);
		// Refused requests do not dig the hole deeper.
		now += 1_000;
		expect(limiter.take("a", 60).allowed).toBe(true);
	});

	it("keeps callers apart and rounds Retry-After up to whole seconds", () => {
		const limiter = createRateLimiter({ now: () => 0 });
		expect(limiter.take("slow", 2).allowed).toBe(true);
		expect(limiter.take("slow", 2).allowed).toBe(true);
		expect(limiter.take("slow", 2)).toEqual({
			allowed: false,
			retryAfterSeconds: 30,
		});
		expect(limiter.take("other", 2).allowed).toBe(true);
	});

	it("forgets the least recently used callers past maxCallers (a forgotten bucket is a full one)", () => {
		const limiter = createRateLimiter({ now: () => 0, maxCallers: 2 });
		expect(limiter.take("a", 1).allowed).toBe(true);
		expect(limiter.take("b", 1).allowed).toBe(true);
		expect(limiter.take("c", 1).allowed).toBe(true);
		expect(limiter.take("b", 1).allowed).toBe(false);
		expect(limiter.take("a", 1).allowed).toBe(true);
	});
});
