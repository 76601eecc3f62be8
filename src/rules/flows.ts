/** The side-effect flows of PRODUCT §5: billing escalation, dispute, support request, ticket closed. */
import type { TicketCategory } from "../core/index.ts";
import type { CustomerFields } from "./customer.ts";
import { joinParts, money } from "./describe.ts";
import {
	EPISODE_WINDOW_MS,
	escalationEpisode,
	type Failure,
} from "./escalation.ts";
import type { PaymentState } from "./payment.ts";
import { disputeOutcome, preferredRef } from "./payment.ts";
import { classifySupportCategory } from "./support-category.ts";
import { issueKeys, priorityFor, subjectFrom, tagsFor } from "./tickets.ts";
import type {
	AlertRequest,
	CommentRequest,
	DerivedPlan,
	RuleInput,
	TicketRequest,
} from "./types.ts";

export interface FlowResult {
	/** A flow opens at most one ticket: one issue key per event. */
	ticketToOpen?: TicketRequest | undefined;
	comments: CommentRequest[];
	alerts: AlertRequest[];
}

const nothing = (): FlowResult => ({
	comments: [],
	alerts: [],
});

interface FlowState {
	customerId: string;
	fields: CustomerFields;
	derived: DerivedPlan;
	payment?: PaymentState | undefined;
}

function ticketBase(
	input: RuleInput,
	state: FlowState,
	category: TicketCategory,
) {
	const email = state.fields.email?.value.address;
	return {
		category,
		priority: priorityFor(category, state.derived.tier),
		tags: tagsFor(category),
		requester: email ? { email, name: state.fields.name?.value } : undefined,
		context: {
			customer_id: state.customerId,
			app_user_id: state.fields.appUserId?.value,
			plan: state.derived.plan,
			plan_status: state.derived.planStatus,
			tier: state.derived.tier,
			payment_ref:
				(state.payment ? preferredRef(state.payment.refs) : undefined) ??
				input.latestPaymentRef,
			customer_url: input.customerUrl,
		},
	};
}

/** One ticket per issue key while it is open; a repeat adds a comment instead. */
function openOrComment(
	input: RuleInput,
	request: Omit<TicketRequest, "requester"> & {
		requester: TicketRequest["requester"] | undefined;
	},
	comment: string,
): FlowResult {
	const open = input.openTickets.find(
		(ticket) => ticket.issueKey === request.issueKey,
	);
	if (open) {
		return {
			...nothing(),
			comments: [
				{
					ticketId: open.id,
					issueKey: open.issueKey,
					externalRef: open.externalRef,
					message: comment,
					attachments: request.attachments,
				},
			],
		};
	}
	// A ticket needs someone to answer; without an e-mail the alert alone carries the news.
	if (!request.requester) return nothing();
	return {
		...nothing(),
		ticketToOpen: { ...request, requester: request.requester },
	};
}

/** The 2nd failed attempt within 30 days: one alert and one billing_issue ticket per episode. */
export function billingEscalation(
	input: RuleInput,
	state: FlowState,
	failures: Failure[],
	current: Failure,
): FlowResult {
	const episode = escalationEpisode(failures, current);
	if (!episode) return nothing();
	const issueKey = issueKeys.billing(state.customerId, episode);
	const reason = input.event.data.payment?.failure_reason;
	const open = input.openTickets.find((ticket) => ticket.issueKey === issueKey);
	if (open)
		return openOrComment(
			input,
			{
				...ticketBase(input, state, "billing_issue"),
				issueKey,
				subject: "",
				message: "",
			},
			`Another payment failed${reason ? `: ${reason}` : "."}`,
		);
	// A closed ticket for this episode (or one within its 30 days) means a person already handled it.
	const episodeDay = new Date(issueKey.slice(-10)).getTime();
	const handled = input.recentBillingKeys.some((key) => {
		const day = new Date(key.slice(-10)).getTime();
		return key === issueKey || Math.abs(day - episodeDay) < EPISODE_WINDOW_MS;
	});
	if (handled) return nothing();
	const who = state.fields.email?.value.address ?? state.customerId;
	const attempts = new Set(failures.map((f) => f.attemptRef)).size;
	const title = `Second failed payment in 30 days — ${who}`;
	const text = joinParts([
		`${who} has had ${attempts} failed payment reports since ${episode.toISOString().slice(0, 10)}.`,
		reason && `Last error: ${reason}.`,
		state.derived.plan &&
			`Plan: ${state.derived.plan} (${state.derived.planStatus ?? "unknown status"}).`,
	]);
	const base = ticketBase(input, state, "billing_issue");
	const flow = openOrComment(
		input,
		{ ...base, issueKey, subject: title, message: text },
		text,
	);
	flow.alerts.push({
		kind: "billing_escalation",
		dedupeKey: issueKey,
		severity: "warning",
		title,
		body: text,
		notification: {
			kind: "billing_escalation",
			severity: "warning",
			title,
			text,
			fields: notificationFields(state, reason),
			link: input.customerUrl,
		},
	});
	return flow;
}

/** A dispute: urgent alert and an urgent `dispute` ticket, once per dispute. */
export function disputeFlow(
	input: RuleInput,
	state: FlowState | undefined,
): FlowResult {
	const dispute = input.event.data.dispute;
	if (!dispute) return nothing();
	const issueKey = issueKeys.dispute(dispute.id);
	const title = disputeTitle("Dispute opened", dispute, state);
	const provider = providerName(input.event.source);
	const text = joinParts([
		`${provider} dispute ${dispute.id} on ${dispute.refs.join(", ") || "an unknown charge"}.`,
		dispute.status && `Status: ${dispute.status}.`,
		`Respond in ${provider} before the evidence deadline.`,
	]);
	const flow = state
		? openOrComment(
				input,
				{
					...ticketBase(input, state, "dispute"),
					issueKey,
					subject: title,
					message: text,
				},
				text,
			)
		: nothing();
	flow.alerts.push(
		disputeAlert(input, state, {
			kind: "dispute",
			dedupeKey: issueKey,
			severity: "critical",
			title,
			text,
		}),
	);
	return flow;
}

/**
 * A dispute closed: a comment on its open ticket saying how it ended; a lost one also raises an alert
 * (the money is gone), a won one restores the payment and needs no one.
 */
export function disputeClosedFlow(
	input: RuleInput,
	state: FlowState | undefined,
): FlowResult {
	const dispute = input.event.data.dispute;
	if (!dispute) return nothing();
	const issueKey = issueKeys.dispute(dispute.id);
	const lost = disputeOutcome(dispute.status) === "dispute_lost";
	const amount = money(dispute.amount, dispute.currency);
	const text = lost
		? `${providerName(input.event.source)} closed dispute ${dispute.id} as lost: ${amount ?? "the disputed amount"} is not coming back.`
		: `${providerName(input.event.source)} closed dispute ${dispute.id} (${dispute.status ?? "won"}): the payment stands.`;
	const open = input.openTickets.find((ticket) => ticket.issueKey === issueKey);
	const flow: FlowResult = open
		? {
				...nothing(),
				comments: [
					{
						ticketId: open.id,
						issueKey: open.issueKey,
						externalRef: open.externalRef,
						message: text,
					},
				],
			}
		: nothing();
	if (!lost) return flow;
	flow.alerts.push(
		disputeAlert(input, state, {
			kind: "dispute_lost",
			dedupeKey: `dispute_lost:${dispute.id}`,
			severity: "warning",
			title: disputeTitle("Dispute lost", dispute, state),
			text,
		}),
	);
	return flow;
}

type Dispute = NonNullable<RuleInput["event"]["data"]["dispute"]>;

/** "Dispute opened — $20.00 (fraudulent) — ada@example.com": what, how much, why, who. */
function disputeTitle(
	headline: string,
	dispute: Dispute,
	state: FlowState | undefined,
): string {
	const amount = money(dispute.amount, dispute.currency);
	const who =
		state?.fields.email?.value.address ??
		state?.customerId ??
		"an unknown customer";
	return `${headline} — ${joinParts([amount, dispute.reason && `(${dispute.reason})`])} — ${who}`;
}

/** A dispute's alert and its notification (the dispute channel), with the customer when known. */
function disputeAlert(
	input: RuleInput,
	state: FlowState | undefined,
	alert: {
		kind: "dispute" | "dispute_lost";
		dedupeKey: string;
		severity: "critical" | "warning";
		title: string;
		text: string;
	},
): FlowResult["alerts"][number] {
	const { title, text, severity } = alert;
	const reason = input.event.data.dispute?.reason;
	return {
		kind: alert.kind,
		dedupeKey: alert.dedupeKey,
		severity,
		title,
		body: text,
		notification: {
			kind: "dispute",
			severity,
			title,
			text,
			fields: state ? notificationFields(state, reason) : [],
			link: state ? input.customerUrl : undefined,
		},
	};
}

/**
 * A support request: a ticket keyed by customer + category, or a comment on the open one. The category
 * is classified again here (the same pure classifier the intake ran), and a client can never choose
 * `dispute`, which only a payment provider (Stripe, PayPal) opens and which is always urgent.
 */
export function supportFlow(input: RuleInput, state: FlowState): FlowResult {
	const support = input.event.data.support;
	if (!support) return nothing();
	const classified = classifySupportCategory({
		message: support.message,
		subject: support.subject,
		hint: support.category,
	});
	const resolved: TicketCategory =
		classified === "dispute" ? "billing_issue" : classified;
	const issueKey = issueKeys.support(state.customerId, resolved);
	return openOrComment(
		input,
		{
			...ticketBase(input, state, resolved),
			issueKey,
			subject: subjectFrom(support.subject, support.message),
			message: support.message,
			attachments: support.attachments,
		},
		support.message,
	);
}

function notificationFields(
	state: FlowState,
	reason: string | undefined,
): Array<{ label: string; value: string }> {
	const fields = [
		{
			label: "Customer",
			value: state.fields.email?.value.address ?? state.customerId,
		},
		{
			label: "Plan",
			value: joinParts([
				state.derived.plan,
				state.derived.planStatus && `(${state.derived.planStatus})`,
			]),
		},
		{ label: "Tier", value: state.derived.tier },
		{ label: "Reason", value: reason ?? "" },
	];
	return fields.filter((field) => field.value !== "");
}

const PROVIDER_NAMES: Readonly<Record<string, string>> = {
	stripe: "Stripe",
	paypal: "PayPal",
	revenuecat: "RevenueCat",
};

/** The payment provider as a person names it, in ticket and alert text. */
function providerName(source: string): string {
	return PROVIDER_NAMES[source] ?? source;
}
