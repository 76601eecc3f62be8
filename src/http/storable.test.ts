import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../core/index.ts";
import {
	findUnstorable,
	isStorableText,
	jsonNumbersFit,
	refuseUnstorable,
	storableDate,
} from "./storable.ts";

function refusal(value: unknown, where = "body", json?: string) {
	try {
		refuseUnstorable(value, where, json);
	} catch (error) {
		expect(error).toBeInstanceOf(AppError);
		return error as AppError;
	}
	return undefined;
}

/** Any UTF-16 code units, often the edges: NUL and both surrogate halves. */
const utf16 = fc
	.array(
		fc.oneof(
			fc.integer({ min: 0, max: 0xffff }),
			fc.constantFrom(0, 0xd800, 0xdbff, 0xdc00, 0xdfff),
		),
		{ maxLength: 30 },
	)
	.map((codes) => String.fromCharCode(...codes));

describe("isStorableText", () => {
	it("refuses NUL and unpaired surrogates, keeps pairs and everything else", () => {
		for (const bad of [
			"\u0000",
			"a\u0000",
			"\ud800",
			"x\udc00y",
			"\ud83d",
			"\ude00a",
		])
			expect(isStorableText(bad), JSON.stringify(bad)).toBe(false);
		for (const good of [
			"",
			"plain",
			"😀",
			"\u0001\u001f\u007f",
			"\ufffd",
			"ü\u200b",
		])
			expect(isStorableText(good), JSON.stringify(good)).toBe(true);
	});

	it("agrees with String.isWellFormed and a NUL scan on any UTF-16", () => {
		const wellFormed = (text: string) =>
			(text as unknown as { isWellFormed(): boolean }).isWellFormed();
		fc.assert(
			fc.property(utf16, (text) => {
				expect(isStorableText(text)).toBe(
					wellFormed(text) && !text.includes("\u0000"),
				);
			}),
		);
	});
});

describe("findUnstorable", () => {
	it("names the first offending path, in document order", () => {
		expect(
			findUnstorable({ a: "ok", b: { c: ["x", "\u0000"] } }, "body"),
		).toEqual({
			field: "b.c.1",
			key: false,
		});
		expect(findUnstorable({ a: "\ud800", b: "\u0000" }, "body")?.field).toBe(
			"a",
		);
		expect(findUnstorable({ a: { "k\u0000": 1 } }, "body")).toEqual({
			field: "a",
			key: true,
		});
		expect(findUnstorable("\u0000", "query")?.field).toBe("query");
		expect(findUnstorable({ "\u0000": 1 }, "query")).toEqual({
			field: "query",
			key: true,
		});
		expect(
			findUnstorable({ a: 1, b: null, c: true, d: ["😀"] }, "body"),
		).toBeUndefined();
	});

	it("sees a __proto__ key as data", () => {
		const value = JSON.parse('{"__proto__": {"x": "\\u0000"}}');
		expect(findUnstorable(value, "body")?.field).toBe("__proto__.x");
	});

	it("walks a value nested far deeper than the call stack allows", () => {
		let value: unknown = "\u0000";
		for (let depth = 0; depth < 100_000; depth++) value = [value];
		expect(findUnstorable(value, "body")?.field.startsWith("0.0.0")).toBe(true);
	});

	it("caps a path it echoes", () => {
		const field = findUnstorable(
			{ ["k".repeat(500)]: "\u0000" },
			"body",
		)?.field;
		expect(field?.length).toBe(100);
	});
});

describe("refuseUnstorable", () => {
	it("throws a 400 that names the field and never echoes the value", () => {
		const error = refusal({ data: { message: "SECRET\u0000" } });
		expect(error?.status).toBe(400);
		expect(error?.code).toBe("validation_failed");
		expect(error?.message).toContain("`data.message`");
		expect(error?.message).not.toContain("SECRET");
		expect(error?.details).toEqual([
			{
				field: "data.message",
				message: "must not contain NUL characters or unpaired surrogates",
			},
		]);
	});

	it("trusts JSON text without a \\u escape, and walks it otherwise", () => {
		const json = '{"a":"\\u0000"}';
		expect(refusal(JSON.parse(json), "body", json)?.message).toContain("`a`");
		// The text decides the fast path: a value the text does not spell is not walked.
		expect(refusal({ a: "\u0000" }, "body", '{"a":"x"}')).toBeUndefined();
		expect(refusal({ a: "\u0000" }, "body", '{"a":"\u0000"}')).toBeDefined();
	});

	it("refuses a number jsonb cannot hold only when given the text", () => {
		expect(
			refusal(Number.POSITIVE_INFINITY, "body", "1e999999")?.message,
		).toContain("number");
		expect(refusal(0, "body")).toBeUndefined();
	});
});

describe("jsonNumbersFit", () => {
	it("holds Postgres numeric's limits, before and after the point", () => {
		for (const fits of [
			"1e131071",
			"1.5e131071",
			"1e-16383",
			"0.5e-16382",
			`0.${"1".repeat(16383)}`,
			`-${"9".repeat(131072)}`,
			"[1,2.5,-3e10,0E+0]",
		])
			expect(jsonNumbersFit(fits), fits.slice(0, 20)).toBe(true);
		for (const overflows of [
			"1e131072",
			"10e131071",
			"1e-16384",
			"0.5e-16383",
			"1e999999999999999999999",
			`0.${"1".repeat(16384)}`,
			`${"9".repeat(131073)}`,
			'{"a":[1,{"b":1e-999999}]}',
		])
			expect(jsonNumbersFit(overflows), overflows.slice(0, 20)).toBe(false);
	});

	it("skips numbers written inside strings, escaped quotes included", () => {
		expect(jsonNumbersFit('{"a":"1e999999","b\\"1e999999":"\\\\"}')).toBe(true);
		expect(jsonNumbersFit('["\\"",1e999999]')).toBe(false);
	});

	it("passes everything JSON.stringify writes", () => {
		fc.assert(
			fc.property(fc.jsonValue(), (value) => {
				expect(jsonNumbersFit(JSON.stringify(value))).toBe(true);
			}),
		);
	});
});

describe("storableDate", () => {
	it("keeps years 1 to 9999 and nothing else", () => {
		expect(storableDate(0)?.toISOString()).toBe("1970-01-01T00:00:00.000Z");
		expect(storableDate(Date.parse("0001-01-01T00:00:00Z"))).toBeDefined();
		expect(storableDate(Date.parse("9999-12-31T23:59:59.999Z"))).toBeDefined();
		for (const ms of [
			Number.NaN,
			Number.POSITIVE_INFINITY,
			Date.parse("0000-12-31T23:59:59Z"),
			Date.parse("+010000-01-01T00:00:00Z"),
			-8.64e15,
			9e15,
		])
			expect(storableDate(ms)).toBeUndefined();
	});
});
