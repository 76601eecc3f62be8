import { describe, expect, it } from "vitest";
import { outcome } from "../../core/index.ts";
import {
	type Budget,
	backoffDelay,
	nextState,
	type RetryPolicy,
} from "./backoff.ts";
import { DestinationLimits } from "./limits.ts";

const policy: RetryPolicy = {
	horizonMs: 60_000,
	backoffBaseMs: 1_000,
	backoffMaxMs: 16_000,
};
const now = 1_700_000_000_000;
const budget = (overrides: Partial<Budget> = {}): Budget => ({
	attempts: 1,
	budgetAttempts: 0,
	budgetStartedAt: new Date(now - 1_000),
	permanentFailures: 0,
	...overrides,
});
const almostOne = () => 0.999_999;

describe("backoffDelay", () => {
	it("is full jitter: uniform below base · 2^(try − 1), capped at the maximum", () => {
		expect(
			[1, 2, 3, 4, 5, 6, 30].map((n) => backoffDelay(n, policy, almostOne)),
		).toEqual([999, 1_999, 3_999, 7_999, 15_999, 15_999, 15_999]);
		expect(backoffDelay(3, policy, () => 0)).toBe(0);
		expect(backoffDelay(3, policy, () => 0.5)).toBe(2_000);
	});
});

describe("nextState", () => {
	it("ok → succeeded with the external reference", () => {
		expect(
			nextState(outcome.ok("contact_1"), budget(), policy, now, Math.random),
		).toEqual({
			status: "succeeded",
			externalRef: "contact_1",
		});
	});

	it("retry → retry_pending after Retry-After when given, else the jittered backoff of this try", () => {
		expect(
			nextState(
				outcome.retry("429", { afterMs: 7_500 }),
				budget(),
				policy,
				now,
				almostOne,
			),
		).toMatchObject({
			status: "retry_pending",
			delayMs: 7_500,
			permanent: false,
		});
		expect(
			nextState(
				outcome.retry("503"),
				budget({ attempts: 3 }),
				policy,
				now,
				almostOne,
			),
		).toMatchObject({
			status: "retry_pending",
			delayMs: 3_999,
			error: "503",
		});
	});

	it("never schedules past the horizon, and goes dead once it has passed", () => {
		const late = budget({ budgetStartedAt: new Date(now - 59_000) });
		expect(
			nextState(
				outcome.retry("503", { afterMs: 30_000 }),
				late,
				policy,
				now,
				almostOne,
			),
		).toMatchObject({
			status: "retry_pending",
			delayMs: 1_000,
		});
		const spent = budget({ budgetStartedAt: new Date(now - 60_000) });
		expect(
			nextState(outcome.retry("503"), spent, policy, now, almostOne),
		).toEqual({
			status: "dead",
			permanent: false,
			error: "gave up after 1 min of retries: 503",
		});
	});

	it("permanent → retried until the 3rd permanent failure since the budget started, then dead", () => {
		const first = nextState(
			outcome.permanent("422 invalid email", 422),
			budget(),
			policy,
			now,
			almostOne,
		);
		expect(first).toMatchObject({
			status: "retry_pending",
			permanent: true,
			delayMs: 999,
		});
		expect(
			nextState(
				outcome.permanent("422"),
				budget({ attempts: 2, permanentFailures: 1 }),
				policy,
				now,
				almostOne,
			),
		).toMatchObject({
			status: "retry_pending",
		});
		expect(
			nextState(
				outcome.permanent("422 invalid email"),
				budget({ attempts: 3, permanentFailures: 2 }),
				policy,
				now,
				almostOne,
			),
		).toEqual({
			status: "dead",
			permanent: true,
			error: "permanent failure: 422 invalid email",
		});
	});

	it("after a replay, counts tries and the horizon from the replay while attempts keeps growing", () => {
		const replayed = budget({
			attempts: 9,
			budgetAttempts: 8,
			budgetStartedAt: new Date(now - 10),
			permanentFailures: 0,
		});
		expect(
			nextState(outcome.retry("503"), replayed, policy, now, almostOne),
		).toMatchObject({ delayMs: 999 });
		expect(
			nextState(outcome.permanent("422"), replayed, policy, now, almostOne)
				.status,
		).toBe("retry_pending");
	});
});

describe("DestinationLimits", () => {
	const unlimited = { concurrency: 8, ratePerSecond: undefined };
	const make = (clock: { t: number }) =>
		new DestinationLimits(
			{
				hubspot: { concurrency: 2, ratePerSecond: 4 },
				zendesk: unlimited,
				slack: unlimited,
				email: unlimited,
			},
			() => clock.t,
		);

	it("caps calls in flight and spends one token per call, refilling at the rate", () => {
		const clock = { t: 0 };
		const limits = make(clock);
		expect([
			limits.canStart("hubspot"),
			limits.claimable("hubspot", 0),
		]).toEqual([true, 2]);
		limits.acquire("hubspot");
		limits.acquire("hubspot");
		expect([
			limits.canStart("hubspot"),
			limits.claimable("hubspot", 0),
		]).toEqual([false, 0]);
		expect(limits.waitMs("hubspot")).toBeUndefined(); // waits for a slot, not for time
		limits.release("hubspot");
		limits.release("hubspot");
		expect(limits.claimable("hubspot", 1)).toBe(1); // one already claimed and waiting
		limits.acquire("hubspot");
		limits.release("hubspot");
		limits.acquire("hubspot");
		limits.release("hubspot");
		expect([
			limits.canStart("hubspot"),
			limits.claimable("hubspot", 0),
		]).toEqual([false, 0]); // 4 tokens spent
		expect(limits.waitMs("hubspot")).toBe(250);
		clock.t += 250;
		expect(limits.claimable("hubspot", 0)).toBe(1);
		clock.t += 10_000;
		// The bucket holds one second's worth (4), and a rate-limited destination claims no further ahead than its slots.
		expect(limits.claimable("hubspot", 0)).toBe(2);
	});

	it("without a rate limit, a second round may be claimed ahead of the slots", () => {
		const limits = make({ t: 0 });
		expect(limits.claimable("zendesk", 0)).toBe(16);
		for (let i = 0; i < 8; i++) limits.acquire("zendesk");
		expect([
			limits.canStart("zendesk"),
			limits.claimable("zendesk", 3),
		]).toEqual([false, 5]);
	});

	it("a 429 pauses the destination for its Retry-After", () => {
		const clock = { t: 0 };
		const limits = make(clock);
		limits.pause("hubspot", 1_500);
		expect([
			limits.canStart("hubspot"),
			limits.claimable("hubspot", 0),
		]).toEqual([false, 0]);
		expect(limits.waitMs("hubspot")).toBe(1_500);
		clock.t += 1_500;
		expect(limits.canStart("hubspot")).toBe(true);
		expect(limits.canStart("zendesk")).toBe(true);
	});

	describe("a destination that takes batches (HubSpot: 100 syncs a call, 2 requests a call)", () => {
		const batched = (clock: { t: number }, ratePerSecond = 8) =>
			new DestinationLimits(
				{
					hubspot: { concurrency: 4, ratePerSecond },
					zendesk: unlimited,
					slack: unlimited,
					email: unlimited,
				},
				() => clock.t,
				{ hubspot: { maxSize: 100, requestsPerCall: 2 } },
			);

		it("claims a batch per call it may start, and charges each call its requests", () => {
			const clock = { t: 0 };
			const limits = batched(clock);
			expect(limits.batchSize("hubspot")).toBe(100);
			expect(limits.batchSize("zendesk")).toBe(1);
			// 8 tokens: 4 calls of 2 requests, 100 syncs each.
			expect(limits.claimable("hubspot", 0)).toBe(400);
			expect(limits.claimable("hubspot", 130)).toBe(270);
			for (let i = 0; i < 4; i++) limits.acquire("hubspot");
			expect(limits.canStart("hubspot")).toBe(false);
			for (let i = 0; i < 4; i++) limits.release("hubspot");
			expect(limits.claimable("hubspot", 0)).toBe(0);
			// The next call needs 2 tokens at 8/s.
			expect(limits.waitMs("hubspot")).toBe(250);
			clock.t += 250;
			expect(limits.claimable("hubspot", 0)).toBe(100);
		});

		it("never lets more than 88 requests out in any 10 s at 8/s (HubSpot allows 100)", () => {
			const clock = { t: 0 };
			const limits = batched(clock);
			const sent: number[] = [];
			for (; clock.t < 60_000; clock.t += 10) {
				while (limits.canStart("hubspot")) {
					limits.acquire("hubspot");
					sent.push(clock.t, clock.t);
					limits.release("hubspot");
				}
			}
			let most = 0;
			for (let i = 0, j = 0; i < sent.length; i++) {
				while ((sent[j] as number) <= (sent[i] as number) - 10_000) j++;
				most = Math.max(most, i - j + 1);
			}
			expect(most).toBeLessThanOrEqual(88);
			expect(most).toBeGreaterThanOrEqual(80);
			// A rate below a call's cost still lets calls through (the bucket holds one call).
			const slow = batched({ t: 0 }, 1);
			expect(slow.canStart("hubspot")).toBe(true);
		});
	});
});
