/** The rules engine: (event, current state) → new state, side effects and a timeline entry. Pure. */
import type { EventType } from "../core/index.ts";
import {
	type CustomerFields,
	crmView,
	customerObservation,
	mergeCustomerFields,
} from "./customer.ts";
import { summarize } from "./describe.ts";
import type { Failure } from "./escalation.ts";
import {
	billingEscalation,
	disputeFlow,
	type FlowResult,
	supportFlow,
} from "./flows.ts";
import {
	mergePayments,
	type PaymentState,
	paymentObservation,
} from "./payment.ts";
import { planName, tierFor } from "./plans.ts";
import {
	effectiveStatus,
	isLive,
	mergeSubscriptions,
	paymentSignal,
	primarySubscription,
	type SubscriptionState,
	subscriptionObservation,
} from "./subscription.ts";
import type { DerivedPlan, RuleInput, RuleOutput } from "./types.ts";

/** The plan, status and tier the customer shows, derived from their subscriptions (billing owns them). */
export function derivePlan(
	input: Pick<RuleInput, "plans">,
	subscriptions: readonly SubscriptionState[],
	fields: CustomerFields,
): DerivedPlan {
	const primary = primarySubscription(subscriptions);
	if (!primary) {
		const last = fields.lastPayment?.value;
		const planStatus =
			last === "paid" ? "active" : last === "failed" ? "past_due" : undefined;
		return {
			planStatus,
			planAsOf: planStatus ? fields.lastPayment?.at : undefined,
			tier: "free",
		};
	}
	const status = effectiveStatus(primary);
	const raw = primary.plan?.value;
	return {
		plan: planName(input.plans, raw?.plan, raw?.priceId),
		planStatus: status,
		planAsOf: primary.status?.at ?? primary.plan?.at,
		tier: tierFor(input.plans, isLive(status), raw?.plan, raw?.priceId),
	};
}

/** Subscriptions this event changes, merged with what we knew. */
function subscriptionChanges(input: RuleInput): SubscriptionState[] {
	const { type, data, occurredAt } = input.event;
	const observations: SubscriptionState[] = [];
	if (
		data.subscription &&
		(type === "subscription_updated" || type === "subscription_canceled")
	) {
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
	"support_requested",
]);

/** One failed attempt reported twice keeps its earliest time, so the count never depends on arrival order. */
export function withFailure(
	failures: readonly Failure[],
	failure: Failure,
): Failure[] {
	const known = failures.find((f) => f.attemptRef === failure.attemptRef);
	if (!known)
		return [...failures, { attemptRef: failure.attemptRef, at: failure.at }];
	if (known.at.getTime() <= failure.at.getTime()) return [...failures];
	return failures.map((f) =>
		f === known ? { attemptRef: f.attemptRef, at: failure.at } : f,
	);
}

/** Decides what one event changes and asks for. Same inputs, same outputs: no clock, no I/O. */
export function decide(input: RuleInput): RuleOutput {
	const { event } = input;
	const at = event.occurredAt;
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
	const fields = before
		? mergeCustomerFields(
				before.fields,
				customerObservation(event.type, event.source, event.data, at),
			)
		: undefined;
	const derived =
		fields && before
			? input.keepDerivedPlan
				? before.derived
				: derivePlan(input, subscriptions, fields)
			: undefined;

	let failure: RuleOutput["failure"];
	let failures: Failure[] = input.failures;
	if (event.type === "payment_failed" && before) {
		failure = {
			attemptRef: event.data.payment?.attempt_ref ?? event.externalId,
			at,
			reason: event.data.payment?.failure_reason,
		};
		failures = withFailure(failures, failure);
	}

	let flow: FlowResult = { ticketsToOpen: [], comments: [], alerts: [] };
	if (FLOW_TYPES.has(event.type)) {
		const state =
			before && fields && derived
				? { customerId: before.id, fields, derived, payment }
				: undefined;
		if (event.type === "dispute_opened") flow = disputeFlow(input, state);
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

	return {
		customer: fields,
		derived,
		payment,
		subscriptions: changedSubscriptions,
		failure,
		ticketsToOpen: flow.ticketsToOpen,
		comments: flow.comments,
		ticketsToClose:
			event.type === "ticket_closed" && event.data.ticket
				? [
						{
							externalRef: event.data.ticket.ticket_id,
							issueKey: event.data.ticket.external_id,
						},
					]
				: [],
		alerts: flow.alerts,
		crmSync: crmChanged,
		timeline: {
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
				...(derived && {
					plan: derived.plan,
					plan_status: derived.planStatus,
					tier: derived.tier,
				}),
			},
		},
	};
}

function derivedView(derived: DerivedPlan | undefined) {
	return {
		plan: derived?.plan,
		planStatus: derived?.planStatus,
		tier: derived?.tier,
	};
}
