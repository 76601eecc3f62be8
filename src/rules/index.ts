export { decide, derivePlan, withFailure } from "./apply.ts";
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
export type { Failure } from "./escalation.ts";
export {
	ATTEMPT_GAP_MS,
	EPISODE_WINDOW_MS,
	escalationEpisode,
} from "./escalation.ts";
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
	DerivedPlan,
	OpenTicket,
	RuleEvent,
	RuleInput,
	RuleOutput,
	TicketRequest,
	TimelineEntry,
} from "./types.ts";
