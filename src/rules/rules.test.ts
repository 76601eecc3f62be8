import { describe, expect, it } from "vitest";
import type { EventData, TicketCategory, Tier } from "../core/index.ts";
import {
	customerObservation,
	mergeCustomerFields,
	normalizeEmail,
} from "./customer.ts";
import { derivePlan } from "./derived-plan.ts";
import { money } from "./describe.ts";
import { escalationEpisode } from "./escalation.ts";
import { survivorFirst } from "./merge.ts";
import { mergePayments, paymentObservation, preferredRef } from "./payment.ts";
import { planName, tierFor } from "./plans.ts";
import { compareObservations, earliest, highest, latest } from "./registers.ts";
import {
	effectiveStatus,
	mergeSubscriptions,
	primarySubscription,
	type SubscriptionState,
} from "./subscription.ts";
import { classifySupportCategory } from "./support-category.ts";
import { priorityFor, subjectFrom, toCategory } from "./tickets.ts";

const at = (seconds: number) => new Date(1_760_000_000_000 + seconds * 1000);
const DAY = 86_400;

describe("registers", () => {
	it("keep the latest observation, by time, then precedence, then value", () => {
		expect(
			latest({ value: "a", at: at(2) }, { value: "b", at: at(1) })?.value,
		).toBe("a");
		const rank = (v: string) => (v === "canceled" ? 2 : 1);
		expect(
			latest(
				{ value: "active", at: at(1) },
				{ value: "canceled", at: at(1) },
				rank,
			)?.value,
		).toBe("canceled");
		expect(
			latest({ value: "x", at: at(1) }, { value: "y", at: at(1) })?.value,
		).toBe("y");
		expect(
			compareObservations({ value: "x", at: at(1) }, { value: "x", at: at(1) }),
		).toBe(0);
		expect(latest(undefined, { value: "b", at: at(1) })?.value).toBe("b");
	});

	it("keep the earliest for first touch and the highest on forward-only scales", () => {
		expect(
			earliest({ value: "late", at: at(5) }, { value: "early", at: at(1) })
				?.value,
		).toBe("early");
		expect(
			earliest({ value: "x", at: at(1) }, { value: "y", at: at(1) })?.value,
		).toBe("y");
		expect(highest("lead", "customer", (v) => (v === "customer" ? 2 : 1))).toBe(
			"customer",
		);
		expect(highest(undefined, "lead", () => 0)).toBe("lead");
	});
});

describe("customer fields", () => {
	it("trims and lower-cases e-mails and refuses what is not one", () => {
		expect(normalizeEmail("  Ada@Example.COM ")).toBe("ada@example.com");
		expect(normalizeEmail("not-an-email")).toBeUndefined();
		expect(normalizeEmail(undefined)).toBeUndefined();
	});

	it("let the auth profile own the e-mail over a newer billing one", () => {
		const auth = customerObservation(
			"signup",
			"app",
			{ customer: { email: "ada@auth.test" } },
			at(1),
		);
		const billing = customerObservation(
			"payment_succeeded",
			"stripe",
			{ customer: { email: "ada@card.test" } },
			at(9),
		);
		expect(mergeCustomerFields(auth, billing).email?.value).toEqual({
			address: "ada@auth.test",
			source: "auth",
		});
		expect(mergeCustomerFields(billing, auth).email?.value.address).toBe(
			"ada@auth.test",
		);
	});

	it.each<[string, EventData, string | undefined]>([
		[
			"utm source",
			{
				lead: { utm: { source: "google", campaign: "q4" }, source: "webinar" },
			},
			"google",
		],
		["lead source", { lead: { source: "webinar" } }, "webinar"],
		[
			"referrer host",
			{ lead: { referrer: "https://news.ycombinator.com/item?id=1" } },
			"referral:news.ycombinator.com",
		],
		["unreadable referrer", { lead: { referrer: "not a url" } }, undefined],
		["nothing", {}, undefined],
	])("reads the lead source from %s", (_name, data, expected) => {
		expect(
			customerObservation("lead_captured", "app", data, at(1)).leadSource?.value
				.source,
		).toBe(expected);
	});
});

describe("payments", () => {
	it("only move forward and keep every reference", () => {
		const paid = paymentObservation(
			"payment_succeeded",
			{ payment: { refs: ["pi_1"], amount: 500, currency: "usd" } },
			at(2),
		);
		const failed = paymentObservation(
			"payment_failed",
			{ payment: { refs: ["in_1", "pi_1"] } },
			at(1),
		);
		const refunded = paymentObservation(
			"refund_issued",
			{
				refund: {
					refs: ["ch_1", "pi_1"],
					amount_refunded: 200,
					fully_refunded: false,
				},
			},
			at(3),
		);
		if (!paid || !failed || !refunded) throw new Error("observations");
		const merged = mergePayments(mergePayments(refunded, failed), paid);
		expect(merged).toMatchObject({
			status: "refunded",
			refs: ["ch_1", "in_1", "pi_1"],
			amount: 500,
			amountRefunded: 200,
			firstSeenAt: at(1),
			statusAt: at(3),
		});
		expect(mergePayments(paid, failed).status).toBe("succeeded");
		expect(paymentObservation("signup", {}, at(1))).toBeUndefined();
		expect(
			paymentObservation(
				"payment_succeeded",
				{ payment: { refs: [] } } as unknown as EventData,
				at(1),
			),
		).toBeUndefined();
	});

	it("quote the PaymentIntent, else the invoice", () => {
		expect(preferredRef(["ch_1", "in_1", "pi_1"])).toBe("pi_1");
		expect(preferredRef(["ch_1", "in_1"])).toBe("in_1");
		expect(preferredRef(["ch_1"])).toBe("ch_1");
		expect(preferredRef([])).toBeUndefined();
	});
});

describe("subscriptions", () => {
	const sub = (
		status: string | undefined,
		statusAt: number,
		extra: Partial<SubscriptionState> = {},
	): SubscriptionState => ({
		ref: "sub_1",
		status: status ? { value: { status }, at: at(statusAt) } : undefined,
		...extra,
	});

	it.each<[string, SubscriptionState, string | undefined]>([
		["authoritative status", sub("trialing", 5), "trialing"],
		[
			"paid after past_due → active",
			sub("past_due", 5, { lastPaidAt: at(6) }),
			"active",
		],
		[
			"paid before past_due stays past_due",
			sub("past_due", 5, { lastPaidAt: at(4) }),
			"past_due",
		],
		[
			"failed after active → past_due",
			sub("active", 5, { lastFailedAt: at(6) }),
			"past_due",
		],
		[
			"failed then paid again → active",
			sub("active", 5, { lastFailedAt: at(6), lastPaidAt: at(7) }),
			"active",
		],
		[
			"nothing revives canceled",
			sub("canceled", 5, { lastPaidAt: at(9) }),
			"canceled",
		],
		["payments only: paid", sub(undefined, 0, { lastPaidAt: at(1) }), "active"],
		[
			"payments only: failed last",
			sub(undefined, 0, { lastPaidAt: at(1), lastFailedAt: at(2) }),
			"past_due",
		],
		["nothing known", sub(undefined, 0), undefined],
	])("%s", (_name, state, expected) => {
		expect(effectiveStatus(state)).toBe(expected);
	});

	it("break same-second ties by lifecycle precedence", () => {
		expect(
			mergeSubscriptions(sub("active", 5), sub("canceled", 5)).status?.value
				.status,
		).toBe("canceled");
		expect(
			mergeSubscriptions(sub("trialing", 5), sub("active", 5)).status?.value
				.status,
		).toBe("active");
		expect(
			mergeSubscriptions(sub("canceled", 5), sub("active", 6)).status?.value
				.status,
		).toBe("active");
	});

	it("pick a live subscription over an ended one, then the latest", () => {
		const ended = { ...sub("canceled", 9), ref: "sub_old" };
		const live = { ...sub("active", 1), ref: "sub_live" };
		const newer = { ...sub("active", 3), ref: "sub_new" };
		expect(primarySubscription([ended, live])?.ref).toBe("sub_live");
		expect(primarySubscription([live, newer, ended])?.ref).toBe("sub_new");
		expect(primarySubscription([])).toBeUndefined();
	});
});

describe("plans", () => {
	const catalog = {
		price_pro: { name: "Pro monthly", tier: "pro" as const },
		basic: { tier: "standard" as const },
	};
	it("name plans and tiers from PLUMB_PLANS; unknown paid plans are standard, no live plan is free", () => {
		expect(tierFor(catalog, true, "pro_lookup", "price_pro")).toBe("pro");
		expect(tierFor(catalog, true, "unknown", undefined)).toBe("standard");
		expect(tierFor(catalog, false, "pro_lookup", "price_pro")).toBe("free");
		expect(planName(catalog, "price_pro", undefined)).toBe("Pro monthly");
		expect(planName(catalog, "raw_plan", "price_unknown")).toBe("raw_plan");
	});

	it("derive the customer's plan from the primary subscription, else from the last payment", () => {
		const subs: SubscriptionState[] = [
			{
				ref: "s",
				status: { value: { status: "active" }, at: at(1) },
				plan: { value: { plan: "price_pro", priceId: "price_pro" }, at: at(1) },
			},
		];
		expect(derivePlan({ plans: catalog }, subs, {})).toEqual({
			plan: "Pro monthly",
			planStatus: "active",
			planAsOf: at(1),
			tier: "pro",
		});
		expect(
			derivePlan({ plans: {} }, [], {
				lastPayment: { value: "failed", at: at(2) },
			}),
		).toEqual({ planStatus: "past_due", planAsOf: at(2), tier: "free" });
		expect(derivePlan({ plans: {} }, [], {})).toEqual({
			planStatus: undefined,
			planAsOf: undefined,
			tier: "free",
		});
	});
});

describe("tickets", () => {
	it.each<[TicketCategory, Tier, string]>([
		["dispute", "free", "urgent"],
		["billing_issue", "standard", "high"],
		["billing_issue", "pro", "urgent"],
		["refund_request", "free", "high"],
		["account_access", "pro", "urgent"],
		["onboarding_blocker", "standard", "normal"],
		["bug", "pro", "high"],
		["other", "free", "low"],
		["other", "pro", "normal"],
	])("%s for a %s customer is %s", (category, tier, priority) => {
		expect(priorityFor(category, tier)).toBe(priority);
	});

	it("keep subjects to one bounded line and unknown categories as other", () => {
		expect(subjectFrom(undefined, "first line\nsecond")).toBe("first line");
		expect(subjectFrom("  Given  subject ", "x")).toBe("Given subject");
		expect(subjectFrom(undefined, "x".repeat(200))).toHaveLength(118);
		expect(toCategory("bug")).toBe("bug");
		expect(toCategory("refund_approved")).toBe("other");
		expect(toCategory(undefined)).toBe("other");
	});

	it("classify money words upwards, never downwards", () => {
		expect(
			classifySupportCategory({
				message: "I was charged twice",
				hint: "other",
			}),
		).toBe("billing_issue");
		expect(
			classifySupportCategory({ message: "please refund me", hint: "bug" }),
		).toBe("refund_request");
		expect(
			classifySupportCategory({ message: "hello", hint: "refund_request" }),
		).toBe("refund_request");
		expect(classifySupportCategory({ message: "hello", hint: "made_up" })).toBe(
			"other",
		);
	});
});

describe("billing escalation episodes", () => {
	const f = (ref: string, seconds: number) => ({
		attemptRef: ref,
		at: at(seconds),
	});
	it("never escalate a lone failure or two reports of one attempt", () => {
		expect(escalationEpisode([f("a", 0)], f("a", 0))).toBeUndefined();
		expect(
			escalationEpisode([f("in_1#1", 0), f("ch_1", 30)], f("ch_1", 30)),
		).toBeUndefined();
	});
	it("escalate a 2nd attempt 10 minutes to 30 days away, named after the earliest failure near it", () => {
		expect(
			escalationEpisode([f("a", 0), f("b", 3 * DAY)], f("b", 3 * DAY)),
		).toEqual(at(0));
		expect(escalationEpisode([f("a", 0), f("b", 3 * DAY)], f("a", 0))).toEqual(
			at(0),
		);
		expect(
			escalationEpisode([f("a", 0), f("b", 31 * DAY)], f("b", 31 * DAY)),
		).toBeUndefined();
	});
});

describe("merges", () => {
	it("put the oldest record first, then the smallest id, whatever the input order", () => {
		const records = [
			{ id: "c3", createdAt: at(5) },
			{ id: "c2", createdAt: at(1) },
			{ id: "c1", createdAt: at(1) },
		];
		expect(survivorFirst(records).map((r) => r.id)).toEqual(["c1", "c2", "c3"]);
		expect(records[0]?.id).toBe("c3");
	});
});

describe("timeline text", () => {
	it("formats money in the currency's own decimals", () => {
		expect(money(123456, "usd")).toBe("1234.56 USD");
		expect(money(500, "jpy")).toBe("500 JPY");
		expect(money(undefined, "usd")).toBeUndefined();
		expect(money(5, "not-a-currency")).toBe("5 NOT-A-CURRENCY (minor units)");
	});
});
