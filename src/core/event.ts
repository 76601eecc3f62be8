/**
 * The canonical event model: every input (provider webhook or app intent) becomes one of these.
 *
 * Terminology
 * - event: a row in `plumb.events`, the inbox. One per (source, external_id), forever.
 * - source: who sent it (`stripe`, `revenuecat`, `paypal`, `zendesk`, `supabase`, `app`).
 * - external_id: the sender's own id for the event (Stripe `evt_…`), unique per source.
 * - occurred_at: provider time, when the fact became true; received_at: when Plumb stored it.
 * - data: the normalized facts rules read; the raw payload is kept beside it for display.
 * - payment reference: any provider id naming one payment (`pi_…`, `in_…`, `ch_…`, `cs_…`).
 */
import { z } from "zod";

export const EVENT_TYPES = [
	"chat_started",
	"lead_captured",
	"signup",
	"payment_succeeded",
	"payment_failed",
	"subscription_updated",
	"subscription_canceled",
	"refund_issued",
	"dispute_opened",
	"dispute_closed",
	"customer_updated",
	"customer_deleted",
	"support_requested",
	"ticket_closed",
	"ignored",
] as const;
export const eventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof eventTypeSchema>;

export const EVENT_SOURCES = [
	"stripe",
	"revenuecat",
	"paypal",
	"zendesk",
	"supabase",
	"app",
] as const;
export const eventSourceSchema = z.enum(EVENT_SOURCES);
export type EventSource = z.infer<typeof eventSourceSchema>;

/** The sources that bill customers: their e-mails count as billing e-mails and they set the billing provider. */
export const BILLING_SOURCES: ReadonlySet<EventSource> = new Set([
	"stripe",
	"revenuecat",
	"paypal",
]);

export const EVENT_STATUSES = ["pending", "processed", "failed"] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/**
 * RevenueCat's ids are a store's numbers (Apple's transaction ids are plain digits), so Plumb prefixes them
 * where they become payment and subscription references; `plumb trace` accepts them with or without.
 */
export const REVENUECAT_REF_PREFIXES = {
	transaction: "rc_txn:",
	subscription: "rc_sub:",
	billingIssue: "rc_billing_issue:",
} as const;

/**
 * Sources that name the paying person on every subscription event, where a subscription can pass from
 * one person to another (RevenueCat's TRANSFER: the store account's subscription now belongs to another
 * app user). Their subscription follows the person the event names instead of proving that person and
 * its previous owner are one.
 */
export const SUBSCRIPTION_FOLLOWS_PERSON: ReadonlySet<EventSource> = new Set([
	"revenuecat",
]);

/** Who the event is about, as far as the sender knows. Every field is optional. */
export const customerFactsSchema = z.object({
	email: z.string().optional(),
	name: z.string().optional(),
	phone: z.string().optional(),
	app_user_id: z.string().optional(),
	/** Other app user ids the sender knows this person by (RevenueCat `aliases`): each links to them too. */
	app_user_aliases: z.array(z.string()).optional(),
	stripe_customer_id: z.string().optional(),
});
export type CustomerFacts = z.infer<typeof customerFactsSchema>;

export const paymentFactsSchema = z.object({
	/** Every provider id that names this payment; any overlap means "the same payment". */
	refs: z.array(z.string()).min(1),
	/** The attempt's own id (a charge) when known, so two reports of one failure count once. */
	attempt_ref: z.string().optional(),
	amount: z.number().int().optional(),
	currency: z.string().optional(),
	subscription_id: z.string().optional(),
	plan: z.string().optional(),
	failure_reason: z.string().optional(),
});
export type PaymentFacts = z.infer<typeof paymentFactsSchema>;

export const subscriptionFactsSchema = z.object({
	id: z.string(),
	/** Stripe's status: trialing, active, past_due, canceled, unpaid, incomplete, incomplete_expired, paused. */
	status: z.string(),
	plan: z.string().optional(),
	price_id: z.string().optional(),
	cancel_at_period_end: z.boolean().optional(),
	current_period_end: z.string().optional(),
});
export type SubscriptionFacts = z.infer<typeof subscriptionFactsSchema>;

export const refundFactsSchema = z.object({
	refs: z.array(z.string()).min(1),
	amount_refunded: z.number().int(),
	amount: z.number().int().optional(),
	currency: z.string().optional(),
	fully_refunded: z.boolean(),
});

export const disputeFactsSchema = z.object({
	id: z.string(),
	refs: z.array(z.string()),
	amount: z.number().int().optional(),
	currency: z.string().optional(),
	reason: z.string().optional(),
	status: z.string().optional(),
});

export const utmSchema = z.object({
	source: z.string().optional(),
	medium: z.string().optional(),
	campaign: z.string().optional(),
});

export const leadFactsSchema = z.object({
	source: z.string().optional(),
	utm: utmSchema.optional(),
	referrer: z.string().optional(),
	company: z.string().optional(),
});

export const supportFactsSchema = z.object({
	message: z.string(),
	subject: z.string().optional(),
	category: z.string().optional(),
	attachments: z.array(z.string()).optional(),
});

export const ticketFactsSchema = z.object({
	ticket_id: z.string(),
	status: z.string(),
	external_id: z.string().optional(),
});

/** Normalized facts. Each event type fills the sections it knows; rules read only these. */
export const eventDataSchema = z.object({
	customer: customerFactsSchema.optional(),
	payment: paymentFactsSchema.optional(),
	subscription: subscriptionFactsSchema.optional(),
	refund: refundFactsSchema.optional(),
	dispute: disputeFactsSchema.optional(),
	lead: leadFactsSchema.optional(),
	support: supportFactsSchema.optional(),
	ticket: ticketFactsSchema.optional(),
	chat: z.object({ session_id: z.string() }).optional(),
	/** The provider's own event type and object, kept for the timeline and for re-fetching. */
	provider: z
		.object({
			event_type: z.string(),
			object_id: z.string().optional(),
			livemode: z.boolean().optional(),
			/** The app store a RevenueCat purchase went through (`APP_STORE`, `PLAY_STORE`, …). */
			store: z.string().optional(),
			/** The provider's environment (`PRODUCTION`, `SANDBOX`); sandbox events are test purchases. */
			environment: z.string().optional(),
			/** Why an `ignored` event changes nothing, in words shown on the event and its timeline entry. */
			ignored_reason: z.string().optional(),
			/**
			 * A snapshot of what already was before Plumb was installed (`plumb backfill`): it becomes
			 * state, but raises no alert, opens no ticket and asks for no CRM sync of its own.
			 */
			historical: z.boolean().optional(),
		})
		.optional(),
});
export type EventData = z.infer<typeof eventDataSchema>;

/** What ingest hands the store: one canonical event, not yet stored. */
export interface NewEvent {
	type: EventType;
	source: EventSource;
	externalId: string;
	occurredAt: Date;
	correlationId: string;
	data: EventData;
	payload: unknown;
	/** The provider's API version the payload was sent in (Stripe's `api_version`), when it says. */
	apiVersion?: string | null | undefined;
}

/** A stored event, as the worker and the admin read it. */
export interface StoredEvent extends NewEvent {
	id: string;
	receivedAt: Date;
	customerId: string | null;
	status: EventStatus;
}
