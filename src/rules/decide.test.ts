import { describe, expect, it } from "vitest";
import type { EventData, EventType } from "../core/index.ts";
import { decide } from "./decide.ts";
import type { RuleInput } from "./types.ts";

const at = (seconds: number) => new Date(1_760_000_000_000 + seconds * 1000);

const ada = {
	email: {
		value: { address: "ada@example.com", source: "auth" as const },
		at: at(0),
	},
};

const base = (
	type: EventType,
	data: EventData,
	extra: Partial<RuleInput> = {},
): RuleInput => ({
	event: {
		id: "e1",
		type,
		source: "stripe",
		externalId: "evt_1",
		occurredAt: at(100),
		data,
	},
	customer: { id: "c1", fields: ada, derived: { tier: "free" } },
	subscriptions: [],
	failures: [],
	openTickets: [],
	recentBillingKeys: [],
	plans: {},
	customerUrl: "http://plumb.test/admin/customers/c1",
	newTicketId: "t-new",
	...extra,
});

const kinds = (input: RuleInput) =>
	decide(input).deliveries.map((d) => `${d.destination}:${d.action}`);

describe("decide", () => {
	it("queues a CRM sync only when something the CRM shows changed", () => {
		expect(
			kinds(base("payment_succeeded", { payment: { refs: ["pi_1"] } })),
		).toEqual(["hubspot:crm_sync"]);
		const unchanged = base("ticket_closed", {
			ticket: { ticket_id: "1", status: "solved" },
		});
		expect(kinds(unchanged)).toEqual([]);
		expect(decide(unchanged).patch.ticketsToClose).toEqual([
			{ externalRef: "1", issueKey: undefined },
		]);
	});

	it("asks for no CRM sync for a customer without an e-mail, though the timeline records the change", () => {
		const input = base(
			"payment_succeeded",
			{ payment: { refs: ["pi_1"] } },
			{ customer: { id: "c1", fields: {}, derived: { tier: "free" } } },
		);
		expect(kinds(input)).toEqual([]);
		expect(decide(input).timeline.at(-1)?.details.crm_sync).toBe(true);
	});

	it("opens a ticket: the row in the patch and the create_ticket payload the Zendesk connector reads", () => {
		const decision = decide(
			base("support_requested", {
				support: {
					message: "I cannot log in",
					subject: "Login",
					category: "account_access",
					attachments: ["https://files.test/a.png"],
				},
			}),
		);
		expect(decision.patch.ticketsToOpen).toEqual([
			{
				id: "t-new",
				issueKey: "support:c1:account_access",
				category: "account_access",
				priority: "high",
				subject: "Login",
			},
		]);
		expect(decision.deliveries).toEqual([
			{
				destination: "zendesk",
				action: "create_ticket",
				payload: {
					ticket_id: "t-new",
					issue_key: "support:c1:account_access",
					category: "account_access",
					priority: "high",
					subject: "Login",
					message: "I cannot log in",
					tags: ["plumb", "account_access"],
					requester: { email: "ada@example.com", name: undefined },
					context: {
						customer_id: "c1",
						app_user_id: undefined,
						plan: undefined,
						plan_status: undefined,
						tier: "free",
						payment_ref: undefined,
						customer_url: "http://plumb.test/admin/customers/c1",
					},
					attachments: ["https://files.test/a.png"],
				},
			},
		]);
	});

	it("comments instead of opening a second ticket for the same issue key", () => {
		const decision = decide(
			base(
				"support_requested",
				{ support: { message: "still broken", category: "bug" } },
				{
					openTickets: [
						{
							id: "t1",
							issueKey: "support:c1:bug",
							category: "bug",
							openedAt: at(0),
							externalRef: "99",
						},
					],
				},
			),
		);
		expect(decision.patch.ticketsToOpen).toEqual([]);
		expect(decision.deliveries).toEqual([
			{
				destination: "zendesk",
				action: "add_comment",
				payload: {
					ticket_id: "t1",
					issue_key: "support:c1:bug",
					external_ref: "99",
					message: "still broken",
					attachments: undefined,
				},
			},
		]);
	});

	it("raises a dispute alert even for an unknown customer, but opens a ticket only with an e-mail", () => {
		const dispute = {
			dispute: {
				id: "dp_1",
				refs: ["ch_1"],
				amount: 1000,
				currency: "usd",
				reason: "fraudulent",
			},
		};
		const anonymous = decide(
			base("dispute_opened", dispute, { customer: undefined }),
		);
		expect(anonymous.alerts).toHaveLength(1);
		expect(anonymous.patch.ticketsToOpen).toEqual([]);
		expect(anonymous.deliveries).toEqual([]);
		const noEmail = decide(
			base("dispute_opened", dispute, {
				customer: { id: "c1", fields: {}, derived: { tier: "free" } },
			}),
		);
		expect(noEmail.patch.ticketsToOpen).toEqual([]);
		const known = decide(base("dispute_opened", dispute));
		expect(known.patch.ticketsToOpen[0]).toMatchObject({
			issueKey: "dispute:dp_1",
			priority: "urgent",
			category: "dispute",
		});
		expect(known.deliveries[0]).toMatchObject({
			action: "create_ticket",
			payload: { ticket_id: "t-new", issue_key: "dispute:dp_1" },
		});
	});

	it("folds a payment report into the payment it names: one state, amounts kept", () => {
		const first = decide(
			base("payment_succeeded", {
				payment: { refs: ["in_1"], amount: 2000, currency: "usd" },
			}),
		).patch.payment;
		const second = decide(
			base(
				"payment_succeeded",
				{ payment: { refs: ["in_1", "pi_1"] } },
				{ payment: first },
			),
		).patch.payment;
		expect(second).toMatchObject({
			refs: ["in_1", "pi_1"],
			amount: 2000,
			currency: "usd",
			status: "succeeded",
		});
	});

	it("a historical (backfilled) event changes state but asks for no CRM sync, ticket or alert", () => {
		const historical = { event_type: "backfill.invoice", historical: true };
		const paid = decide(
			base("payment_succeeded", {
				payment: { refs: ["in_1"], subscription_id: "sub_1" },
				provider: historical,
			}),
		);
		expect(paid.patch.payment?.refs).toEqual(["in_1"]);
		expect(paid.patch.subscriptions[0]?.ref).toBe("sub_1");
		expect(paid.deliveries).toEqual([]);
		expect(paid.timeline.at(-1)?.details).toMatchObject({
			crm_sync: true,
			historical: true,
		});
		// The same dispute live opens an urgent ticket and an alert; as history, neither.
		const dispute = { id: "dp_1", refs: ["ch_1"], status: "needs_response" };
		const live = decide(base("dispute_opened", { dispute }));
		expect(live.alerts).toHaveLength(1);
		expect(live.patch.ticketsToOpen).toHaveLength(1);
		const old = decide(
			base("dispute_opened", { dispute, provider: historical }),
		);
		expect(old.alerts).toEqual([]);
		expect(old.patch.ticketsToOpen).toEqual([]);
		expect(old.deliveries).toEqual([]);
	});

	it("marks an older event as stale history and keeps the newer state", () => {
		const newer = {
			ref: "sub_1",
			status: { value: { status: "canceled" }, at: at(200) },
		};
		const customer = {
			id: "c1",
			fields: { billingProvider: { value: "stripe", at: at(200) } },
			derived: { planStatus: "canceled", tier: "free" as const },
		};
		const decision = decide(
			base(
				"subscription_updated",
				{ subscription: { id: "sub_1", status: "active" } },
				{ subscriptions: [newer], customer },
			),
		);
		expect(decision.patch.subscriptions[0]?.status?.value.status).toBe(
			"canceled",
		);
		expect(decision.patch.customer?.derived.planStatus).toBe("canceled");
		expect(decision.timeline.at(-1)?.details.stale).toBe(true);
	});

	it("keeps the stored plan for events that cannot change it, unless the event merges records", () => {
		const subscriptions = [
			{
				ref: "sub_1",
				status: { value: { status: "active" }, at: at(0) },
				plan: { value: { plan: "pro" }, at: at(0) },
			},
		];
		const signup = base(
			"signup",
			{ customer: { email: "ada@example.com" } },
			{ subscriptions },
		);
		expect(decide(signup).patch.customer?.derived).toEqual({ tier: "free" });
		const merging = decide({
			...signup,
			merging: { ids: ["c2"], provenBy: ["email"] },
		});
		expect(merging.patch.customer?.derived).toMatchObject({
			plan: "pro",
			planStatus: "active",
			tier: "standard",
		});
	});

	it("records each merge on the timeline before the event's own entry", () => {
		const decision = decide(
			base(
				"signup",
				{ customer: { email: "ada@example.com", app_user_id: "u1" } },
				{ merging: { ids: ["c2", "c3"], provenBy: ["app_user_id", "email"] } },
			),
		);
		expect(decision.timeline.map((entry) => entry.kind)).toEqual([
			"customer_merged",
			"customer_merged",
			"signup",
		]);
		expect(decision.timeline[0]).toEqual({
			kind: "customer_merged",
			summary: "Merged customer c2 into this one: the same person",
			details: { merged_id: "c2", proven_by: ["app_user_id", "email"] },
		});
	});

	it("gives the same answer for the same input: no clock, no hidden state", () => {
		const input = base("payment_failed", {
			payment: { refs: ["pi_9"], failure_reason: "declined" },
		});
		expect(decide(input)).toEqual(decide(input));
	});

	it.each<[EventType, EventData, RegExp]>([
		["signup", { customer: { email: "a@b.c" } }, /Signed up as a@b\.c/],
		[
			"lead_captured",
			{ lead: { source: "webinar" } },
			/Lead captured from webinar/,
		],
		["chat_started", { chat: { session_id: "s" } }, /Chat started/],
		[
			"refund_issued",
			{
				refund: {
					refs: ["ch_1"],
					amount_refunded: 250,
					currency: "jpy",
					fully_refunded: false,
				},
			},
			/Refund issued 250 JPY/,
		],
		[
			"ignored",
			{ provider: { event_type: "customer.created" } },
			/Ignored customer\.created/,
		],
		[
			"payment_failed",
			{
				payment: {
					refs: ["pi_1"],
					amount: 1999,
					currency: "eur",
					failure_reason: "declined",
				},
			},
			/Payment failed 19\.99 EUR \(pi_1\) — declined/,
		],
	])("summarises %s for the timeline", (type, data, summary) => {
		expect(decide(base(type, data)).timeline.at(-1)?.summary).toMatch(summary);
	});
});
