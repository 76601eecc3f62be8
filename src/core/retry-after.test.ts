import { describe, expect, it } from "vitest";
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from "./retry-after.ts";

describe("parseRetryAfter", () => {
	const now = Date.parse("2026-11-23T12:00:00Z");

	it("reads delta-seconds", () => {
		expect(parseRetryAfter("0", now)).toBe(0);
		expect(parseRetryAfter(" 10 ", now)).toBe(10_000);
	});

	it("reads an HTTP-date relative to now, never negative", () => {
		expect(parseRetryAfter("Mon, 23 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
		expect(parseRetryAfter("Mon, 23 Nov 2026 11:59:00 GMT", now)).toBe(0);
	});

	it("caps long waits and ignores what it cannot read", () => {
		expect(parseRetryAfter("999999", now)).toBe(MAX_RETRY_AFTER_MS);
		expect(parseRetryAfter("120", now, 5_000)).toBe(5_000);
		expect(parseRetryAfter("soon", now)).toBeUndefined();
		expect(parseRetryAfter("-5", now)).toBeUndefined();
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
		expect(parseRetryAfter("", now)).toBeUndefined();
	});
});
