/** What a rule reads (one event and the state it touches) and what it decides. Plain data, no I/O. */
import type {
	EventData,
	EventSource,
	EventType,
	Notification,
	TicketCategory,
	TicketContext,
	TicketPriority,
	Tier,
} from "../core/index.ts";
import type { CustomerFields } from "./customer.ts";
import type { Failure } from "./escalation.ts";
import type { PaymentState } from "./payment.ts";
import type { PlanCatalog } from "./plans.ts";
import type { SubscriptionState } from "./subscription.ts";

export interface RuleEvent {
	id: string;
	type: EventType;
	source: EventSource;
	externalId: string;
	occurredAt: Date;
	data: EventData;
}

export interface OpenTicket {
	id: string;
	issueKey: string;
	category: TicketCategory;
	externalRef?: string | undefined;
	openedAt: Date;
}

export interface RuleInput {
	event: RuleEvent;
	/** The resolved customer (after any merge), or undefined when the event names nobody we can find. */
	customer?:
		| { id: string; fields: CustomerFields; derived: DerivedPlan }
		| undefined;
	/** The payment the event's references name (already merged when they named several). */
	payment?: PaymentState | undefined;
	/** The customer's latest payment other than this one, for ticket context. */
	latestPaymentRef?: string | undefined;
	/** Every subscription of the customer, including the one this event names (by ref). */
	subscriptions: SubscriptionState[];
	/**
	 * True when the event cannot change the plan (a signup, a support request …): the stored plan, status
	 * and tier stand and `subscriptions` may be left empty, which saves the worker a query.
	 */
	keepDerivedPlan?: boolean | undefined;
	/** The customer's recorded failed attempts within ±60 days of the event. */
	failures: Failure[];
	/** The customer's open tickets, plus any open ticket with this event's dispute key. */
	openTickets: OpenTicket[];
	/** Issue keys of billing tickets opened for this customer in the last 60 days (open or closed). */
	recentBillingKeys: string[];
	plans: PlanCatalog;
	/** The dashboard's URL for this customer. */
	customerUrl: string;
}

export interface DerivedPlan {
	plan?: string | undefined;
	planStatus?: string | undefined;
	planAsOf?: Date | undefined;
	tier: Tier;
}

export interface TicketRequest {
	issueKey: string;
	category: TicketCategory;
	priority: TicketPriority;
	subject: string;
	/** Customer or chatbot text for support requests; our own words for escalations. */
	message: string;
	tags: string[];
	requester: { email: string; name?: string | undefined };
	context: TicketContext;
	attachments?: string[] | undefined;
}

export interface CommentRequest {
	ticketId: string;
	issueKey: string;
	externalRef?: string | undefined;
	message: string;
	attachments?: string[] | undefined;
}

export interface AlertRequest {
	kind: string;
	dedupeKey: string;
	severity: "info" | "warning" | "critical";
	title: string;
	body: string;
	notification: Omit<Notification, "alert_id">;
}

export interface TimelineEntry {
	kind: string;
	summary: string;
	details: Record<string, unknown>;
}

export interface RuleOutput {
	/** The customer's fields after this event (undefined: no customer). */
	customer?: CustomerFields | undefined;
	derived?: DerivedPlan | undefined;
	payment?: PaymentState | undefined;
	/** Subscriptions this event changed (merged values). */
	subscriptions: SubscriptionState[];
	failure?: (Failure & { reason?: string | undefined }) | undefined;
	ticketsToOpen: TicketRequest[];
	comments: CommentRequest[];
	/** Tickets this event closes, by helpdesk id or issue key. */
	ticketsToClose: Array<{
		externalRef?: string | undefined;
		issueKey?: string | undefined;
	}>;
	alerts: AlertRequest[];
	/** True when something the CRM shows changed: a (coalesced) CRM sync is queued. */
	crmSync: boolean;
	timeline: TimelineEntry;
}
