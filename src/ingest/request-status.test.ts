import { describe, expect, it } from "vitest";
import { INTENT_TYPES } from "./intent-schemas.ts";
import {
	REQUEST_STATUSES,
	requestStatus,
	statusSentence,
} from "./request-status.ts";

describe("requestStatus", () => {
	it.each([
		[{ status: "pending", attempts: 0, deliveries: {} }, "received"],
		[{ status: "pending", attempts: 2, deliveries: {} }, "retrying"],
		[{ status: "failed", attempts: 5, deliveries: {} }, "failed"],
		[{ status: "processed", attempts: 1, deliveries: {} }, "done"],
		[
			{
				status: "processed",
				attempts: 1,
				deliveries: { succeeded: 1, skipped: 2 },
			},
			"done",
		],
		[
			{
				status: "processed",
				attempts: 1,
				deliveries: { succeeded: 1, running: 1 },
			},
			"processing",
		],
		[
			{
				status: "processed",
				attempts: 1,
				deliveries: { pending: 1, retry_pending: 1 },
			},
			"retrying",
		],
		[
			{
				status: "processed",
				attempts: 1,
				deliveries: { retry_pending: 1, dead: 1 },
			},
			"failed",
		],
	] as const)("%j → %s", (facts, expected) => {
		expect(requestStatus(facts)).toBe(expected);
	});
});

describe("statusSentence", () => {
	it("has a sentence for every intent type and status, and a generic one otherwise", () => {
		for (const type of [...INTENT_TYPES, "payment_succeeded"])
			for (const status of REQUEST_STATUSES)
				expect(statusSentence(type, status)).toMatch(/^[A-Z]/);
		expect(statusSentence("support_requested", "received")).toBe(
			"Ticket received — our team will answer by e-mail",
		);
		expect(statusSentence("signup", "processing")).toBe("Account syncing");
		expect(statusSentence("signup", "retrying")).toBe(
			"Action failed; retrying automatically",
		);
	});
});
