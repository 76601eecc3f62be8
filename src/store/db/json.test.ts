import { describe, expect, it } from "vitest";
import { JsonText, toJsonb } from "./json.ts";

describe("toJsonb", () => {
	it("stores valid JSON text as it came", () => {
		const text = '{"b":1,"a":{"__proto__":{"x":1}}}';
		expect(toJsonb(new JsonText(text))).toBe(text);
	});

	it("cleans NUL and lone surrogates, keeping __proto__ and constructor keys as data", () => {
		const text =
			'{"note":"a\\u0000b\\ud800","metadata":{"__proto__":{"x":1},"constructor":"y","k\\u0000":"v"}}';
		expect(toJsonb(new JsonText(text))).toBe(
			'{"note":"a\uFFFDb\uFFFD","metadata":{"__proto__":{"x":1},"constructor":"y","k\uFFFD":"v"}}',
		);
		expect(Object.getPrototypeOf({})).toBe(Object.prototype);
		expect(({} as Record<string, unknown>).x).toBeUndefined();
	});
});
