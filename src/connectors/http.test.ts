import { describe, expect, it } from "vitest";
import {
	classifyFailure,
	type HttpReply,
	networkFailure,
	safeText,
	send,
	type VendorProfile,
} from "./http.ts";

const vendor: VendorProfile = {
	name: "Acme",
	unauthorized: "Acme rejected the key (401): check ACME_KEY",
	forbidden: "Acme refused access (403)",
	secrets: ["sekret-value-123"],
};

function reply(
	status: number,
	text = "",
	headers: Record<string, string> = {},
): HttpReply {
	return { status, headers: new Headers(headers), text, json: undefined };
}

const now = Date.parse("2026-11-23T12:00:00Z");

describe("connector HTTP classification", () => {
	it.each([
		[500, "retry"],
		[502, "retry"],
		[503, "retry"],
		[408, "retry"],
		[425, "retry"],
		[400, "permanent"],
		[404, "permanent"],
		[409, "permanent"],
		[422, "permanent"],
		[302, "permanent"],
	])("%i → %s", (status, kind) => {
		expect(classifyFailure(reply(status, "nope"), vendor, now).kind).toBe(kind);
	});

	it("reads Retry-After as seconds or as a date, on a 429 and on a 503", () => {
		expect(
			classifyFailure(reply(429, "", { "retry-after": "12" }), vendor, now),
		).toMatchObject({
			kind: "retry",
			afterMs: 12_000,
			rateLimited: true,
			httpStatus: 429,
		});
		expect(
			classifyFailure(
				reply(429, "", { "retry-after": "Mon, 23 Nov 2026 12:01:00 GMT" }),
				vendor,
				now,
			),
		).toMatchObject({ afterMs: 60_000 });
		expect(classifyFailure(reply(429), vendor, now, 5_000)).toMatchObject({
			afterMs: 5_000,
			rateLimited: true,
		});
		expect(classifyFailure(reply(429), vendor, now)).not.toHaveProperty(
			"afterMs",
		);
		expect(
			classifyFailure(reply(503, "", { "retry-after": "3" }), vendor, now),
		).toEqual({
			kind: "retry",
			reason: "Acme answered 503",
			httpStatus: 503,
			afterMs: 3_000,
		});
	});

	it("says what to fix on 401 and 403, and never repeats a secret the vendor echoed", () => {
		expect(
			classifyFailure(reply(401, "key sekret-value-123 is bad"), vendor, now),
		).toEqual({
			kind: "permanent",
			reason: "Acme rejected the key (401): check ACME_KEY",
			httpStatus: 401,
		});
		const forbidden = classifyFailure(
			reply(403, "key sekret-value-123 lacks scope x"),
			vendor,
			now,
		);
		expect(forbidden).toEqual({
			kind: "permanent",
			reason: "Acme refused access (403): key [redacted] lacks scope x",
			httpStatus: 403,
		});
	});

	it("keeps reasons to one short line", () => {
		const long = safeText(`a\n\n b\t${"x".repeat(1_000)}`, []);
		expect(long.startsWith("a b x")).toBe(true);
		expect(long.length).toBe(300);
		expect(long.endsWith("…")).toBe(true);
	});

	it("turns thrown network errors into retries, naming only the code", async () => {
		const dns = Object.assign(new TypeError("fetch failed"), {
			cause: Object.assign(new Error("getaddrinfo ENOTFOUND hooks.example"), {
				code: "ENOTFOUND",
			}),
		});
		const failing: typeof fetch = async () => {
			throw dns;
		};
		const result = await send(
			failing,
			{ method: "GET", url: "https://hooks.example/secret-path", headers: {} },
			new AbortController().signal,
			"Acme",
		);
		expect(result).toEqual({
			ok: false,
			error: { kind: "retry", reason: "Acme could not be reached (ENOTFOUND)" },
		});
		expect(
			networkFailure(new Error("weird"), new AbortController().signal, "Acme"),
		).toEqual({
			kind: "retry",
			reason: "Acme could not be reached (network error)",
		});
		expect(
			networkFailure(new Error("x"), AbortSignal.abort(), "Acme"),
		).toMatchObject({
			kind: "retry",
			reason: expect.stringMatching(/did not answer in time/),
		});
	});
});
