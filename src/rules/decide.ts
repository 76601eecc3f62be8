/**
 * The rules engine: (event, current state) → state patch, delivery intents and timeline entries.
 * Pure: every business decision about one event is made here, and the worker only writes the answer.
 */
import type { DeliveryIntent, EventType } from "../core/index.ts";
import {
	crmView,
	customerObservation,
	mergeCustomerFields,
} from "./customer.ts";
import { addComment, createTicket, crmSync } from "./deliveries.ts";
import { derivePlan, keepsDerivedPlan } from "./derived-plan.ts";
import { summarize } from "./describe.ts";
import { type Failure, withFailure } from "./escalation.ts";
import {
	billingEscalation,
	disputeClosedFlow,
	disputeFlow,
	type FlowResult,
	supportFlow,
} from "./flows.ts";
import {
	mergePayments,
	type PaymentState,
	paymentObservation,
} from "./payment.ts";
import {
	mergeSubscriptions,
	paymentSignal,
	type SubscriptionState,
	subscriptionObservation,
} from "./subscription.ts";
import type {
	Decision,
	DerivedPlan,
	RuleInput,
	TimelineEntry,
} from "./types.ts";

/** Subscriptions this event changes, merged with what we knew. */
function subscriptionChanges(input: RuleInput): SubscriptionState[] {
	const { type, data, occurredAt } = input.event;
	const observations: SubscriptionState[] = [];
	// Stripe states a subscription only in its subscription events; RevenueCat and PayPal also state
	// it beside a payment (a renewal is "paid, and active"), so any event that carries one counts.
	if (data.subscription) {
		observations.push(subscriptionObservation(data.subscription, occurredAt));
	}
	const subscriptionRef = data.payment?.subscription_id;
	if (
		subscriptionRef &&
		(type === "payment_succeeded" || type === "payment_failed")
	) {
		observations.push(
			paymentSignal(
				subscriptionRef,
				type === "payment_succeeded" ? "paid" : "failed",
				occurredAt,
				data.payment?.plan,
			),
		);
	}
	return observations.map((observation) => {
		const known = input.subscriptions.find(
			(sub) => sub.ref === observation.ref,
		);
		return known ? mergeSubscriptions(known, observation) : observation;
	});
}

const FLOW_TYPES = new Set<EventType>([
	"payment_failed",
	"dispute_opened",
	"dispute_closed",
	"support_requested",
]);

/** Decides what one event changes and asks for. Same inputs, same outputs: no clock, no I/O. */
export function decide(input: RuleInput): Decision {
	const { event } = input;
	const at = event.occurredAt;
	// Backfilled history (`plumb backfill`) becomes state and nothing else: no alert, no ticket, and
	// no CRM sync of its own, since the backfill queues one per customer when it ends.
	const historical = event.data.provider?.historical === true;
	const observedPayment = paymentObservation(event.type, event.data, at);
	const payment: PaymentState | undefined =
		observedPayment && input.payment
			? mergePayments(input.payment, observedPayment)
			: (observedPayment ?? input.payment);
	const changedSubscriptions = subscriptionChanges(input);
	const subscriptions = [
		...input.subscriptions.filter(
			(sub) => !changedSubscriptions.some((changed) => changed.ref === sub.ref),
		),
		...changedSubscriptions,
	];

	const before = input.customer;
	const merging = input.merging?.ids.length ? input.merging : undefined;
	const fields = before
		? mergeCustomerFields(
				before.fields,
				customerObservation(event.type, event.source, event.data, at),
			)
		: undefined;
	const derived =
		fields && before
			? keepsDerivedPlan(event.type, merging !== undefined)
				? before.derived
				: derivePlan(input, subscriptions, fields)
			: undefined;

	let failure: Decision["patch"]["failure"];
	let failures: Failure[] = input.failures;
	if (event.type === "payment_failed" && before) {
		failure = {
			attemptRef: event.data.payment?.attempt_ref ?? event.externalId,
			at,
			reason: event.data.payment?.failure_reason,
		};
		failures = withFailure(failures, failure);
	}

	let flow: FlowResult = { comments: [], alerts: [] };
	if (FLOW_TYPES.has(event.type) && !historical) {
		const state =
			before && fields && derived
				? { customerId: before.id, fields, derived, payment }
				: undefined;
		if (event.type === "dispute_opened") flow = disputeFlow(input, state);
		else if (event.type === "dispute_closed")
			flow = disputeClosedFlow(input, state);
		else if (state && event.type === "payment_failed")
			flow = billingEscalation(
				input,
				state,
				failures,
				failures.find((f) => f.attemptRef === failure?.attemptRef) ?? {
					attemptRef: event.externalId,
					at,
				},
			);
		else if (state && event.type === "support_requested")
			flow = supportFlow(input, state);
	}
	const ticket = flow.ticketToOpen;

	const crmChanged =
		fields !== undefined &&
		before !== undefined &&
		(JSON.stringify(crmView(fields)) !==
			JSON.stringify(crmView(before.fields)) ||
			JSON.stringify(derivedView(derived)) !==
				JSON.stringify(derivedView(before.derived)));
	const stateChanged =
		crmChanged ||
		JSON.stringify(payment) !== JSON.stringify(input.payment) ||
		changedSubscriptions.some(
			(sub) =>
				JSON.stringify(sub) !==
				JSON.stringify(input.subscriptions.find((s) => s.ref === sub.ref)),
		);

	const deliveries: DeliveryIntent[] = [
		...(ticket ? [createTicket(ticket, input.newTicketId)] : []),
		...flow.comments.map(addComment),
		// The CRM keys contacts by e-mail: a customer without one has nothing to sync yet.
		...(crmChanged && fields?.email && !historical ? [crmSync] : []),
	];
	const own: TimelineEntry = {
		kind: event.type,
		summary: summarize(input, payment, changedSubscriptions),
		details: {
			source: event.source,
			provider_type: event.data.provider?.event_type,
			stale:
				!stateChanged &&
				event.type !== "support_requested" &&
				event.type !== "ticket_closed",
			crm_sync: crmChanged,
			...(historical && { historical }),
			...(derived && {
				plan: derived.plan,
				plan_status: derived.planStatus,
				tier: derived.tier,
			}),
		},
	};

	return {
		patch: {
			customer: fields && derived ? { fields, derived } : undefined,
			payment,
			subscriptions: changedSubscriptions,
			failure,
			ticketsToOpen: ticket
				? [
						{
							id: input.newTicketId,
							issueKey: ticket.issueKey,
							category: ticket.category,
							priority: ticket.priority,
							subject: ticket.subject,
						},
					]
				: [],
			ticketsToClose:
				event.type === "ticket_closed" && event.data.ticket
					? [
							{
								externalRef: event.data.ticket.ticket_id,
								issueKey: event.data.ticket.external_id,
							},
						]
					: [],
		},
		deliveries,
		alerts: flow.alerts,
		timeline: [...(before && merging ? mergeEntries(merging) : []), own],
	};
}

/** One timeline entry per record merged into the survivor. */
function mergeEntries(merging: {
	ids: string[];
	provenBy: string[];
}): TimelineEntry[] {
	return merging.ids.map((id) => ({
		kind: "customer_merged",
		summary: `Merged customer ${id} into this one: the same person`,
		details: { merged_id: id, proven_by: merging.provenBy },
	}));
}

function derivedView(derived: DerivedPlan | undefined) {
	return {
		plan: derived?.plan,
		planStatus: derived?.planStatus,
		tier: derived?.tier,
	};
}
