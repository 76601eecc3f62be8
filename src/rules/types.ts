/** What a rule reads (one event and the state it touches) and what it decides. Plain data, no I/O. */
import type {
	DeliveryIntent,
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
	 * Other records this event proves are the same person as `customer`, merged into it (their fields
	 * are already folded into `customer.fields`), and the identity kinds that proved it.
	 */
	merging?: { ids: string[]; provenBy: string[] } | undefined;
	/** The customer's recorded failed attempts within HISTORY_WINDOW_MS of the event. */
	failures: Failure[];
	/** The customer's open tickets, plus any open ticket with this event's dispute key. */
	openTickets: OpenTicket[];
	/** Issue keys of billing tickets opened for this customer within HISTORY_WINDOW_MS before the event (open or closed). */
	recentBillingKeys: string[];
	plans: PlanCatalog;
	/** The dashboard's URL for this customer. */
	customerUrl: string;
	/** The id a ticket this event opens takes (an event opens at most one); minted by the caller, as rules mint nothing. */
	newTicketId: string;
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

export interface TicketSelector {
	externalRef?: string | undefined;
	issueKey?: string | undefined;
}

/** A row for plumb.tickets; the matching create_ticket delivery carries the same `ticket_id`. */
export interface NewTicket {
	id: string;
	issueKey: string;
	category: TicketCategory;
	priority: TicketPriority;
	subject: string;
}

/** What one event changes in the stored state. */
export interface StatePatch {
	/** The customer after this event (undefined: the event names nobody). */
	customer?: { fields: CustomerFields; derived: DerivedPlan } | undefined;
	/** The payment after this event: the one the event names, merged with all it was found to be. */
	payment?: PaymentState | undefined;
	/** Subscriptions this event changed (merged values). */
	subscriptions: SubscriptionState[];
	/** A failed attempt to record. */
	failure?: (Failure & { reason?: string | undefined }) | undefined;
	ticketsToOpen: NewTicket[];
	/** Tickets this event closes, by helpdesk id or issue key. */
	ticketsToClose: TicketSelector[];
}

/** The rules' whole answer for one event: the worker writes it and decides nothing. */
export interface Decision {
	patch: StatePatch;
	/**
	 * Side effects, payload included, each stored as a delivery row: Zendesk tickets and comments, and
	 * a CRM sync when something the CRM shows changed (the queue keeps one waiting sync per customer).
	 */
	deliveries: DeliveryIntent[];
	/** Alerts to open; a new one notifies Slack and e-mail. */
	alerts: AlertRequest[];
	/** Timeline entries in order: any merge this event proved, then the event's own entry (always last). */
	timeline: TimelineEntry[];
}
