/**
 * The customer's owned fields and how each one merges (PRODUCT §3, field ownership):
 * e-mail ← auth profile (billing and lead e-mails only until an auth one arrives); name, phone and
 * app user id ← latest provider time; lead source ← first touch, never overwritten by a later one;
 * lifecycle stage ← only forward; last payment status ← latest payment event; billing provider ← the
 * source of the latest payment or subscription event.
 */
import {
	BILLING_SOURCES,
	type EventData,
	type EventSource,
	type EventType,
} from "../core/index.ts";
import { disputeOutcome } from "./payment.ts";
import { earliest, highest, latest, type Register } from "./registers.ts";

export type EmailSource = "auth" | "billing" | "lead";
export type LifecycleStage = "subscriber" | "lead" | "customer";
export type LastPaymentStatus = "paid" | "failed" | "refunded" | "disputed";

export interface LeadSource {
	source: string;
	details?:
		| { utm?: Record<string, string>; referrer?: string; company?: string }
		| undefined;
}

export interface CustomerFields {
	email?: Register<{ address: string; source: EmailSource }> | undefined;
	name?: Register<string> | undefined;
	phone?: Register<string> | undefined;
	appUserId?: Register<string> | undefined;
	leadSource?: Register<LeadSource> | undefined;
	lifecycle?: LifecycleStage | undefined;
	lastPayment?: Register<LastPaymentStatus> | undefined;
	/** Which payment provider bills them now (`stripe`, `revenuecat`, `paypal`). */
	billingProvider?: Register<string> | undefined;
}

const EMAIL_AUTHORITY: Record<EmailSource, number> = {
	lead: 0,
	billing: 1,
	auth: 2,
};
const LIFECYCLE_RANK: Record<LifecycleStage, number> = {
	subscriber: 0,
	lead: 1,
	customer: 2,
};
// Same-second payment events: the more serious status wins (a refund and its charge in one second).
const LAST_PAYMENT_RANK: Record<LastPaymentStatus, number> = {
	paid: 0,
	failed: 1,
	refunded: 2,
	disputed: 3,
};

/** E-mails are compared case-insensitively and without surrounding spaces. */
export function normalizeEmail(email: string | undefined): string | undefined {
	const normalized = email?.trim().toLowerCase();
	return normalized?.includes("@") ? normalized : undefined;
}

function emailWinner(
	a: CustomerFields["email"],
	b: CustomerFields["email"],
): CustomerFields["email"] {
	if (!a || !b) return a ?? b;
	const byAuthority =
		EMAIL_AUTHORITY[a.value.source] - EMAIL_AUTHORITY[b.value.source];
	if (byAuthority !== 0) return byAuthority > 0 ? a : b;
	return latest(a, b);
}

/** The join of two field sets: used for every new observation and when two customers merge. */
export function mergeCustomerFields(
	a: CustomerFields,
	b: CustomerFields,
): CustomerFields {
	return {
		email: emailWinner(a.email, b.email),
		name: latest(a.name, b.name),
		phone: latest(a.phone, b.phone),
		appUserId: latest(a.appUserId, b.appUserId),
		leadSource: earliest(a.leadSource, b.leadSource),
		lifecycle: highest(
			a.lifecycle,
			b.lifecycle,
			(stage) => LIFECYCLE_RANK[stage],
		),
		lastPayment: latest(
			a.lastPayment,
			b.lastPayment,
			(status) => LAST_PAYMENT_RANK[status],
		),
		billingProvider: latest(a.billingProvider, b.billingProvider),
	};
}

const EMAIL_SOURCE_BY_TYPE: Partial<Record<EventType, EmailSource>> = {
	signup: "auth",
};

const LAST_PAYMENT_BY_TYPE: Partial<Record<EventType, LastPaymentStatus>> = {
	payment_succeeded: "paid",
	payment_failed: "failed",
	refund_issued: "refunded",
	dispute_opened: "disputed",
};

/** An event that carries one of these is about billing, so its source is the customer's billing provider. */
const BILLING_FACTS = ["payment", "subscription", "refund", "dispute"] as const;

const LIFECYCLE_BY_TYPE: Partial<Record<EventType, LifecycleStage>> = {
	signup: "lead",
	lead_captured: "lead",
	payment_succeeded: "customer",
};

/** What one event says about the customer, as registers stamped with the event's provider time. */
export function customerObservation(
	type: EventType,
	source: EventSource,
	data: EventData,
	at: Date,
): CustomerFields {
	const facts = data.customer ?? {};
	const address = normalizeEmail(facts.email);
	const emailSource: EmailSource =
		EMAIL_SOURCE_BY_TYPE[type] ??
		(BILLING_SOURCES.has(source) ? "billing" : "lead");
	// A won dispute restores the payment: the customer's last payment reads paid again.
	const lastPayment =
		type === "dispute_closed"
			? disputeOutcome(data.dispute?.status) === "dispute_lost"
				? "disputed"
				: "paid"
			: LAST_PAYMENT_BY_TYPE[type];
	return {
		email: address
			? { value: { address, source: emailSource }, at }
			: undefined,
		name: nonEmpty(facts.name, at),
		phone: nonEmpty(facts.phone, at),
		appUserId: nonEmpty(facts.app_user_id, at),
		leadSource: leadSourceOf(data, at),
		lifecycle: LIFECYCLE_BY_TYPE[type],
		lastPayment: lastPayment ? { value: lastPayment, at } : undefined,
		billingProvider:
			BILLING_SOURCES.has(source) && BILLING_FACTS.some((key) => data[key])
				? { value: source, at }
				: undefined,
	};
}

function nonEmpty(
	value: string | undefined,
	at: Date,
): Register<string> | undefined {
	const trimmed = value?.trim();
	return trimmed ? { value: trimmed, at } : undefined;
}

/** UTM source, else the lead's own source, else the referrer's host; with the rest as details. */
function leadSourceOf(
	data: EventData,
	at: Date,
): Register<LeadSource> | undefined {
	const lead = data.lead;
	if (!lead) return undefined;
	const utm =
		lead.utm && Object.keys(lead.utm).length > 0
			? (lead.utm as Record<string, string>)
			: undefined;
	const source = lead.utm?.source ?? lead.source ?? referrerHost(lead.referrer);
	if (!source) return undefined;
	const details: LeadSource["details"] = {};
	if (utm) details.utm = utm;
	if (lead.referrer) details.referrer = lead.referrer;
	if (lead.company) details.company = lead.company;
	return {
		value: Object.keys(details).length > 0 ? { source, details } : { source },
		at,
	};
}

function referrerHost(referrer: string | undefined): string | undefined {
	if (!referrer) return undefined;
	try {
		return `referral:${new URL(referrer).host}`;
	} catch {
		return undefined;
	}
}

/** The fields the CRM shows; a sync is queued only when one of them changed. */
export function crmView(
	fields: CustomerFields,
): Record<string, string | undefined> {
	return {
		email: fields.email?.value.address,
		name: fields.name?.value,
		phone: fields.phone?.value,
		app_user_id: fields.appUserId?.value,
		lead_source: fields.leadSource?.value.source,
		lifecycle: fields.lifecycle,
		last_payment: fields.lastPayment?.value,
		last_payment_at: fields.lastPayment?.at.toISOString(),
		billing_provider: fields.billingProvider?.value,
	};
}
