import { describe, expect, it } from "vitest";
import { cachingVerdict } from "./caching.ts";

const fresh = { cacheControl: "no-store", age: null, cfCacheStatus: null };

describe("cachingVerdict", () => {
	it("passes answers that say no-store and came from Plumb (a cache's MISS or BYPASS included)", () => {
		expect(
			cachingVerdict([fresh, { ...fresh, cfCacheStatus: "DYNAMIC" }]).status,
		).toBe("pass");
		expect(
			cachingVerdict([{ ...fresh, cacheControl: "private, no-store" }]).status,
		).toBe("pass");
	});

	it("fails an answer served from a cache, by Age or by CF-Cache-Status", () => {
		expect(cachingVerdict([fresh, { ...fresh, age: "0" }])).toMatchObject({
			status: "fail",
			title:
				"Caching: a cache in front answered /healthz instead of Plumb (Age: 0)",
		});
		expect(
			cachingVerdict([fresh, { ...fresh, cfCacheStatus: "stale" }]),
		).toMatchObject({
			status: "fail",
			title:
				"Caching: a cache in front answered /healthz instead of Plumb (CF-Cache-Status: stale)",
		});
	});

	it("fails an answer whose Cache-Control something in front rewrote", () => {
		expect(
			cachingVerdict([fresh, { ...fresh, cacheControl: "public, max-age=60" }]),
		).toMatchObject({
			status: "fail",
			title:
				"Caching: /healthz arrived with Cache-Control: public, max-age=60, not no-store",
		});
		expect(
			cachingVerdict([{ ...fresh, cacheControl: "no-store-please" }]).status,
		).toBe("fail");
		expect(cachingVerdict([{ ...fresh, cacheControl: null }]).title).toContain(
			"Cache-Control: (none)",
		);
	});
});
