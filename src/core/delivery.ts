/**
 * Deliveries and connectors: the contract between the rules that ask for side effects, the queue that
 * schedules them, and the connectors that perform them.
 *
 * Terminology
 * - delivery: a row in `plumb.deliveries`, one side effect (a CRM sync, a ticket, a message), written
 *   before it happens, in the transaction of the state change that asked for it.
 * - destination: the system it goes to; action: what to do there.
 * - attempt: one try at a delivery; `attempts` is also the fencing token of the lease.
 * - outcome: what a connector reports about one attempt (ok / retry / permanent). Only the queue
 *   turns outcomes into delivery states.
 * - notification: a message for people (Slack, e-mail) about an alert, an escalation or a dispute.
 */
import { z } from "zod";

export const DESTINATIONS = ["hubspot", "zendesk", "slack", "email"] as const;
export const destinationSchema = z.enum(DESTINATIONS);
export type Destination = z.infer<typeof destinationSchema>;

/** How people read a destination's name: dashboard, alert titles and notices. */
export const DESTINATION_NAMES: Readonly<Record<Destination, string>> = {
	hubspot: "HubSpot",
	zendesk: "Zendesk",
	slack: "Slack",
	email: "E-mail",
};

export const DELIVERY_STATUSES = [
	"pending",
	"running",
	"succeeded",
	"retry_pending",
	"dead",
	"skipped",
] as const;
export const deliveryStatusSchema = z.enum(DELIVERY_STATUSES);
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;

export const TICKET_CATEGORIES = [
	"billing_issue",
	"refund_request",
	"onboarding_blocker",
	"account_access",
	"bug",
	"other",
	"dispute",
] as const;
export type TicketCategory = (typeof TICKET_CATEGORIES)[number];
export type TicketPriority = "urgent" | "high" | "normal" | "low";
export type Tier = "free" | "standard" | "pro";

/** What a ticket carries so the agent never has to look the customer up elsewhere. */
export interface TicketContext {
	customer_id: string;
	app_user_id?: string | undefined;
	plan?: string | undefined;
	plan_status?: string | undefined;
	tier: Tier;
	/** The latest payment's provider reference (pi_…, in_…). */
	payment_ref?: string | undefined;
	/** The customer's page in Plumb's dashboard. */
	customer_url: string;
}

export interface CreateTicketPayload {
	/** Plumb's own ticket id (plumb.tickets.id). */
	ticket_id: string;
	/** Zendesk `external_id`: looked up before creating, so a retried create never makes a second ticket. */
	issue_key: string;
	category: TicketCategory;
	priority: TicketPriority;
	subject: string;
	/** Customer or chatbot text: data, never instructions. Connectors escape it. */
	message: string;
	tags: string[];
	requester: { email: string; name?: string | undefined };
	context: TicketContext;
	attachments?: string[] | undefined;
}

export interface AddCommentPayload {
	ticket_id: string;
	issue_key: string;
	/** The helpdesk ticket id when known; otherwise the connector finds it by issue key. */
	external_ref?: string | undefined;
	message: string;
	attachments?: string[] | undefined;
}

export const NOTIFICATION_KINDS = [
	"dead_delivery",
	"billing_escalation",
	"dispute",
	"support_escalation",
	"alert_rule",
	"alert_resolved",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** A message for people, rendered by the Slack (Block Kit) and e-mail connectors. */
export interface Notification {
	kind: NotificationKind;
	severity: "info" | "warning" | "critical";
	title: string;
	text: string;
	fields: Array<{ label: string; value: string }>;
	/** A dashboard URL to open. */
	link?: string | undefined;
	/** Untrusted text (a customer's or chatbot's words), shown quoted and escaped. */
	quote?: string | undefined;
	alert_id?: string | undefined;
}

/** A CRM sync carries no payload: the connector sends the customer as they are when it runs. */
export interface CrmSyncIntent {
	destination: "hubspot";
	action: "crm_sync";
}

export interface CreateTicketIntent {
	destination: "zendesk";
	action: "create_ticket";
	payload: CreateTicketPayload;
}

export interface AddCommentIntent {
	destination: "zendesk";
	action: "add_comment";
	payload: AddCommentPayload;
}

export interface NotifyIntent {
	destination: "slack" | "email";
	action: "notify";
	payload: Notification;
}

/** What rules ask for, payload included; the worker stores each as a delivery row with an idempotency key. */
export type DeliveryIntent =
	| CrmSyncIntent
	| CreateTicketIntent
	| AddCommentIntent
	| NotifyIntent;

export type DeliveryAction = DeliveryIntent["action"];

/** The customer's current truth, built when a CRM sync is sent (never when it was queued). */
export interface CustomerSnapshot {
	id: string;
	email?: string | undefined;
	name?: string | undefined;
	phone?: string | undefined;
	app_user_id?: string | undefined;
	plan?: string | undefined;
	plan_status?: string | undefined;
	tier: Tier;
	lifecycle_stage?: "subscriber" | "lead" | "customer" | undefined;
	lead_source?: string | undefined;
	last_payment_status?: "paid" | "failed" | "refunded" | "disputed" | undefined;
	last_payment_at?: string | undefined;
	/** The payment provider of the latest billing event (`stripe`, `revenuecat`, `paypal`). */
	billing_provider?: string | undefined;
	/** The customer's page in Plumb's dashboard. */
	url: string;
}

/** One attempt handed to a connector. */
export interface DeliveryRequest {
	id: string;
	destination: Destination;
	action: DeliveryAction;
	idempotencyKey: string;
	/** 1 for the first try. */
	attempt: number;
	payload: unknown;
	/** Present for CRM syncs: the customer as they are now. */
	customer?: CustomerSnapshot | undefined;
	/** The helpdesk ticket id or CRM contact id a previous attempt recorded, if any. */
	externalRef?: string | undefined;
}

/** What one attempt achieved. Connectors classify every failure; the queue alone maps these to states. */
export type DeliveryOutcome =
	| {
			kind: "ok";
			externalRef?: string | undefined;
			httpStatus?: number | undefined;
	  }
	| {
			kind: "retry";
			reason: string;
			/** Milliseconds the vendor asked us to wait (Retry-After), already parsed. */
			afterMs?: number | undefined;
			httpStatus?: number | undefined;
			/** True when the vendor rate-limited us: the queue pauses the whole destination. */
			rateLimited?: boolean | undefined;
	  }
	| { kind: "permanent"; reason: string; httpStatus?: number | undefined };

export interface Connector {
	readonly destination: Destination;
	/** One vendor call (or a short, idempotent sequence), bounded by `signal`. Never throws for vendor errors. */
	deliver(
		request: DeliveryRequest,
		signal: AbortSignal,
	): Promise<DeliveryOutcome>;
	/** Present when the vendor takes many deliveries in one call: the queue then sends them together. */
	readonly batch?: BatchDelivery | undefined;
}

/**
 * Many deliveries in one vendor call (HubSpot's batch upsert). Each delivery still gets its own
 * outcome, read from the vendor's per-input result, and the queue settles each on its own.
 */
export interface BatchDelivery {
	/** Most deliveries one call carries (the vendor's batch size). */
	readonly maxSize: number;
	/** Vendor requests one call may make: what the destination's rate limit charges per call. */
	readonly requestsPerCall: number;
	/** One outcome per request, in the requests' order. Never throws for vendor errors. */
	deliverMany(
		requests: readonly DeliveryRequest[],
		signal: AbortSignal,
	): Promise<DeliveryOutcome[]>;
}

export const outcome = {
	ok: (externalRef?: string, httpStatus?: number): DeliveryOutcome => ({
		kind: "ok",
		externalRef,
		httpStatus,
	}),
	retry: (
		reason: string,
		options: {
			afterMs?: number;
			httpStatus?: number;
			rateLimited?: boolean;
		} = {},
	): DeliveryOutcome => ({
		kind: "retry",
		reason,
		...options,
	}),
	permanent: (reason: string, httpStatus?: number): DeliveryOutcome => ({
		kind: "permanent",
		reason,
		httpStatus,
	}),
};
