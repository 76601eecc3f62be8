import { describe, expect, it } from "vitest";
import { createScrubber } from "./scrub.ts";

describe("createScrubber", () => {
	const scrub = createScrubber(['s3cr3t-"quoted"-value', "plain-secret-value"]);

	it("masks configured secret values, also in their JSON-escaped form", () => {
		const line = JSON.stringify({
			a: 's3cr3t-"quoted"-value',
			b: "x plain-secret-value y",
		});
		expect(scrub(line)).toBe('{"a":"[redacted]","b":"x [redacted] y"}');
	});

	it("masks card-like numbers that pass Luhn, in runs or groups, and leaves other numbers alone", () => {
		expect(
			scrub(
				"card 4242424242424242 and 4000-0566-5566-5556 and 3782 822463 10005",
			),
		).toBe("card [card] and [card] and [card]");
		expect(scrub('{"time":1700000000000,"n":12345678901234567}')).toBe(
			'{"time":1700000000000,"n":12345678901234567}',
		);
	});

	it("masks JWTs, bearer tokens and Stripe keys wherever they appear", () => {
		const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl";
		expect(scrub(`token=${jwt}`)).toBe("token=[jwt]");
		expect(scrub("Authorization: Bearer abcdef123456")).toBe(
			"Authorization: Bearer [redacted]",
		);
		expect(scrub("key sk_live_abcdef123456 and whsec_abcdef123456")).toBe(
			"key sk_live_[redacted] and whsec_[redacted]",
		);
	});

	it("masks e-mail addresses only when asked (log output), leaving other text alone", () => {
		const line =
			'{"reason":"Contact Ada.L+x@Example.co.uk exists","url":"smtp://u:p4ss@mail.example.com"}';
		expect(createScrubber([], { maskEmails: true })(line)).toBe(
			'{"reason":"Contact [email] exists","url":"smtp://u:[email]"}',
		);
		expect(createScrubber([])(line)).toBe(line);
		expect(createScrubber([], { maskEmails: true })("a @ b, x@y")).toBe(
			"a @ b, x@y",
		);
	});
});
