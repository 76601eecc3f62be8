export type {
	CustomerFields,
	EmailSource,
	LastPaymentStatus,
	LeadSource,
	LifecycleStage,
} from "./customer.ts";
export {
	crmView,
	customerObservation,
	mergeCustomerFields,
	normalizeEmail,
} from "./customer.ts";
export { decide } from "./decide.ts";
export {
	addComment,
	commentInstead,
	createTicket,
	crmSync,
	forSurvivor,
} from "./deliveries.ts";
export { derivePlan, keepsDerivedPlan } from "./derived-plan.ts";
export type { Failure } from "./escalation.ts";
export {
	ATTEMPT_GAP_MS,
	EPISODE_WINDOW_MS,
	escalationEpisode,
	HISTORY_WINDOW_MS,
	withFailure,
} from "./escalation.ts";
export type { MergeCandidate } from "./merge.ts";
export { survivorFirst } from "./merge.ts";
export type { PaymentState, PaymentStatus } from "./payment.ts";
export { mergePayments, paymentObservation, preferredRef } from "./payment.ts";
export type { PlanCatalog } from "./plans.ts";
export { planName, tierFor } from "./plans.ts";
export type { Register } from "./registers.ts";
export type { SubscriptionState, SubscriptionStatus } from "./subscription.ts";
export {
	effectiveStatus,
	mergeSubscriptions,
	primarySubscription,
} from "./subscription.ts";
export { classifySupportCategory } from "./support-category.ts";
export { issueKeys, priorityFor, toCategory } from "./tickets.ts";
export type {
	AlertRequest,
	CommentRequest,
	Decision,
	DerivedPlan,
	NewTicket,
	OpenTicket,
	RuleEvent,
	RuleInput,
	StatePatch,
	TicketRequest,
	TicketSelector,
	TimelineEntry,
} from "./types.ts";
