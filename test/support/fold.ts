/**
 * Folding the pure rules over an in-memory state for one customer: what the worker does, minus SQL.
 * Used by the order-independence property test, which runs thousands of histories in seconds; the
 * database path is checked by a smaller property test over real PGlite and PostgreSQL.
 */
import type { EventData, EventType } from "../../src/core/index.ts";
import {
	type CustomerFields,
	type DerivedPlan,
	decide,
	type Failure,
	mergePayments,
	type PaymentState,
	type RuleInput,
	type SubscriptionState,
	withFailure,
} from "../../src/rules/index.ts";

export interface HistoryEvent {
	externalId: string;
	type: EventType;
	occurredAt: Date;
	data: EventData;
}

export interface FoldState {
	fields: CustomerFields;
	derived: DerivedPlan;
	payments: PaymentState[];
	subscriptions: SubscriptionState[];
	failures: Failure[];
	/** Issue keys of tickets opened (one per billing episode or dispute). */
	tickets: string[];
	alerts: string[];
	/** Every CRM-visible change queues a (coalesced) sync; counted, not compared. */
	crmSyncs: number;
}

export function emptyState(): FoldState {
	return {
		fields: {},
		derived: { tier: "free" },
		payments: [],
		subscriptions: [],
		failures: [],
		tickets: [],
		alerts: [],
		crmSyncs: 0,
	};
}

/** Applies one event; `onStep` sees the state before and after (for "never goes back" checks). */
export function step(
	state: FoldState,
	event: HistoryEvent,
	plans: RuleInput["plans"] = {},
): FoldState {
	const refs = [
		...(event.data.payment?.refs ?? []),
		...(event.data.refund?.refs ?? []),
		...(event.data.dispute?.refs ?? []),
	];
	const matching = state.payments.filter((payment) =>
		payment.refs.some((ref) => refs.includes(ref)),
	);
	const input: RuleInput = {
		event: {
			id: event.externalId,
			type: event.type,
			source: "stripe",
			externalId: event.externalId,
			occurredAt: event.occurredAt,
			data: event.data,
		},
		customer: { id: "cus", fields: state.fields, derived: state.derived },
		payment: matching.reduce<PaymentState | undefined>(
			(a, b) => (a ? mergePayments(a, b) : b),
			undefined,
		),
		subscriptions: state.subscriptions,
		failures: state.failures,
		openTickets: state.tickets.map((key) => ({
			id: key,
			issueKey: key,
			category: "billing_issue",
			openedAt: new Date(0),
		})),
		recentBillingKeys: state.tickets.filter((key) =>
			key.startsWith("billing:"),
		),
		plans,
		customerUrl: "http://plumb.test/admin/customers/cus",
		newTicketId: `ticket:${event.externalId}`,
	};
	const { patch, deliveries, alerts } = decide(input);
	const payments = patch.payment
		? [...state.payments.filter((p) => !matching.includes(p)), patch.payment]
		: state.payments;
	const subscriptions = [
		...state.subscriptions.filter(
			(sub) => !patch.subscriptions.some((changed) => changed.ref === sub.ref),
		),
		...patch.subscriptions,
	];
	const failures = patch.failure
		? withFailure(state.failures, patch.failure)
		: state.failures;
	return {
		fields: patch.customer?.fields ?? state.fields,
		derived: patch.customer?.derived ?? state.derived,
		payments,
		subscriptions,
		failures,
		tickets: [...state.tickets, ...patch.ticketsToOpen.map((t) => t.issueKey)],
		alerts: [
			...state.alerts,
			...alerts
				.map((a) => a.dedupeKey)
				.filter((key) => !state.alerts.includes(key)),
		],
		crmSyncs:
			state.crmSyncs + deliveries.filter((d) => d.action === "crm_sync").length,
	};
}

/**
 * A comparable rendering: sorted, dates as ISO strings. Escalation is compared as "did it escalate":
 * how a month-long run of failures splits into 30-day episodes depends on which failures were known
 * when each fired, which late arrivals can change (the test bounds the count separately).
 */
export function canonical(state: FoldState): string {
	return JSON.stringify({
		fields: state.fields,
		derived: state.derived,
		payments: [...state.payments].sort((a, b) =>
			(a.refs[0] ?? "").localeCompare(b.refs[0] ?? ""),
		),
		subscriptions: [...state.subscriptions].sort((a, b) =>
			a.ref.localeCompare(b.ref),
		),
		failures: [...state.failures].sort((a, b) =>
			a.attemptRef.localeCompare(b.attemptRef),
		),
		escalated: state.tickets.length > 0,
		alerted: state.alerts.length > 0,
	});
}
