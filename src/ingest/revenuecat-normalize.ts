/**
 * RevenueCat webhook event → canonical event. Pure: no I/O. The shapes and their meaning are RevenueCat's
 * (revenuecat/event-types-and-fields.mdx and event-flows.md in the contracts):
 * - a trial is an INITIAL_PURCHASE with `period_type: TRIAL` (there is no TRIAL_* type); its end is a
 *   RENEWAL (`is_trial_conversion`), a CANCELLATION or an EXPIRATION;
 * - a refund is a CANCELLATION with `cancel_reason: CUSTOMER_SUPPORT` (and a negative price);
 * - a subscription is one `original_transaction_id` across renewals; each purchase its `transaction_id`.
 */
import {
	type CustomerFacts,
	type EventData,
	type EventType,
	type PaymentFacts,
	REVENUECAT_REF_PREFIXES,
	type SubscriptionFacts,
} from "../core/index.ts";
import { storableDate } from "../http/index.ts";
import { toMinorUnits } from "./minor-units.ts";
import { record, text, withoutUndefined } from "./stripe-fields.ts";

/** The envelope's `event`, after revenuecat.ts checked the fields Plumb relies on. */
export interface RevenueCatEvent extends Record<string, unknown> {
	id: string;
	type: string;
	event_timestamp_ms: number;
}

/** What each RevenueCat type becomes before the event's own fields are read (TEST never gets here). */
const TYPE_MAP: Readonly<Record<string, EventType>> = {
	INITIAL_PURCHASE: "payment_succeeded",
	RENEWAL: "payment_succeeded",
	NON_RENEWING_PURCHASE: "payment_succeeded",
	BILLING_ISSUE: "payment_failed",
	CANCELLATION: "subscription_updated",
	UNCANCELLATION: "subscription_updated",
	PRODUCT_CHANGE: "subscription_updated",
	SUBSCRIPTION_PAUSED: "subscription_updated",
	SUBSCRIPTION_EXTENDED: "subscription_updated",
	EXPIRATION: "subscription_canceled",
	TRANSFER: "customer_updated",
};

/** Every RevenueCat type Plumb acts on (docs/revenuecat.md lists them). */
export const REVENUECAT_EVENT_TYPES: readonly string[] = Object.keys(TYPE_MAP);

/** RevenueCat's anonymous ids name a device install, never a person of the app's own auth. */
const ANONYMOUS_PREFIX = "$RCAnonymousID:";

/** Payment and subscription references carry a prefix so a store's numeric id never meets another provider's. */
export const revenueCatRef = {
	transaction: (id: string) => `${REVENUECAT_REF_PREFIXES.transaction}${id}`,
	subscription: (originalTransactionId: string) =>
		`${REVENUECAT_REF_PREFIXES.subscription}${originalTransactionId}`,
	billingIssue: (eventId: string) =>
		`${REVENUECAT_REF_PREFIXES.billingIssue}${eventId}`,
};

export function normalizeRevenueCatEvent(event: RevenueCatEvent): {
	type: EventType;
	occurredAt: Date;
	data: EventData;
} {
	const mapped = TYPE_MAP[event.type];
	const environment = text(event, "environment");
	const data: EventData = {
		provider: {
			event_type: event.type,
			object_id: text(event, "transaction_id"),
			livemode: environment ? environment === "PRODUCTION" : undefined,
			store: text(event, "store"),
			environment,
			ignored_reason: mapped
				? undefined
				: `Plumb does not act on RevenueCat ${event.type} events`,
		},
		customer: customerFacts(event),
	};
	const type = mapped ? facts(event, mapped, data) : "ignored";
	return {
		type,
		occurredAt: new Date(event.event_timestamp_ms),
		data: withoutUndefined(data),
	};
}

/** Fills the facts sections for `mapped` and returns the type this very event becomes. */
function facts(
	event: RevenueCatEvent,
	mapped: EventType,
	data: EventData,
): EventType {
	const trial = text(event, "period_type") === "TRIAL";
	switch (event.type) {
		case "INITIAL_PURCHASE":
			// A free trial starts: no money has moved, so it is subscription state, not a payment.
			if (trial) {
				data.subscription = subscriptionFacts(event, "trialing");
				return "subscription_updated";
			}
			data.payment = paymentFacts(event);
			data.subscription = subscriptionFacts(event, "active");
			return mapped;
		case "RENEWAL":
			data.payment = paymentFacts(event);
			data.subscription = subscriptionFacts(event, "active");
			return mapped;
		case "NON_RENEWING_PURCHASE":
			data.payment = paymentFacts(event);
			return mapped;
		case "BILLING_ISSUE":
			data.payment = {
				// The failed charge has no transaction of its own; each BILLING_ISSUE is one failed attempt.
				refs: [revenueCatRef.billingIssue(event.id)],
				attempt_ref: revenueCatRef.billingIssue(event.id),
				currency: text(event, "currency"),
				subscription_id: subscriptionRef(event),
				plan: text(event, "product_id"),
				failure_reason: `the ${storeName(event)} could not charge the subscriber (RevenueCat BILLING_ISSUE)`,
			};
			data.subscription = subscriptionFacts(event, "past_due");
			return mapped;
		case "CANCELLATION": {
			const reason = text(event, "cancel_reason");
			if (reason === "CUSTOMER_SUPPORT") {
				const transaction = text(event, "transaction_id");
				if (!transaction)
					return ignore(data, "a refund without transaction_id");
				const refunded = Math.abs(
					toMinorUnits(
						numberOf(event, "price_in_purchased_currency"),
						text(event, "currency"),
					) ?? 0,
				);
				data.refund = {
					refs: [revenueCatRef.transaction(transaction)],
					amount_refunded: refunded,
					currency: text(event, "currency"),
					fully_refunded: true,
				};
				return "refund_issued";
			}
			// Auto-renewal is off; access lasts to expiration_at_ms (EXPIRATION ends it).
			data.subscription = subscriptionFacts(
				event,
				reason === "BILLING_ERROR" ? "past_due" : trial ? "trialing" : "active",
				true,
			);
			return mapped;
		}
		case "UNCANCELLATION":
			data.subscription = subscriptionFacts(
				event,
				trial ? "trialing" : "active",
				false,
			);
			return mapped;
		// A product change's `new_product_id` takes effect later (the old plan holds until then); an
		// extension pushes the period end back. Either way the subscription stays live.
		case "PRODUCT_CHANGE":
		case "SUBSCRIPTION_EXTENDED":
			data.subscription = subscriptionFacts(
				event,
				trial ? "trialing" : "active",
			);
			return mapped;
		case "SUBSCRIPTION_PAUSED":
			data.subscription = subscriptionFacts(event, "paused");
			return mapped;
		case "EXPIRATION":
			data.subscription = subscriptionFacts(event, "canceled");
			return mapped;
		case "TRANSFER":
			// Entitlements moved to the `transferred_to` user; the event names only them (no app_user_id).
			return data.customer ? mapped : ignore(data, "a TRANSFER naming no user");
		default:
			return mapped;
	}
}

function ignore(data: EventData, what: string): "ignored" {
	if (data.provider) data.provider.ignored_reason = `Plumb cannot use ${what}`;
	return "ignored";
}

function paymentFacts(event: RevenueCatEvent): PaymentFacts | undefined {
	const transaction = text(event, "transaction_id");
	if (!transaction) return undefined;
	return {
		refs: [revenueCatRef.transaction(transaction)],
		attempt_ref: revenueCatRef.transaction(transaction),
		amount: toMinorUnits(
			numberOf(event, "price_in_purchased_currency"),
			text(event, "currency"),
		),
		currency: text(event, "currency"),
		subscription_id: subscriptionRef(event),
		plan: text(event, "product_id"),
	};
}

function subscriptionFacts(
	event: RevenueCatEvent,
	status: string,
	cancelAtPeriodEnd?: boolean,
): SubscriptionFacts | undefined {
	const id = subscriptionRef(event);
	if (!id) return undefined;
	const expires = numberOf(event, "expiration_at_ms");
	return {
		id,
		status,
		plan: text(event, "product_id"),
		cancel_at_period_end: cancelAtPeriodEnd,
		current_period_end:
			expires === undefined ? undefined : storableDate(expires)?.toISOString(),
	};
}

/** A non-renewing purchase is no subscription, whatever its transaction ids. */
function subscriptionRef(event: RevenueCatEvent): string | undefined {
	if (event.type === "NON_RENEWING_PURCHASE") return undefined;
	const original =
		text(event, "original_transaction_id") ?? text(event, "transaction_id");
	return original ? revenueCatRef.subscription(original) : undefined;
}

/**
 * The person: the app's own user id (the Supabase user id an Expo app logs in to RevenueCat with) is
 * the first non-anonymous id among app_user_id, original_app_user_id and aliases; every id RevenueCat
 * names, anonymous ones included, links to the same customer (the docs: "search both").
 */
function customerFacts(event: RevenueCatEvent): CustomerFacts | undefined {
	const ids = [
		...(event.type === "TRANSFER"
			? strings(event.transferred_to)
			: [
					text(event, "app_user_id"),
					text(event, "original_app_user_id"),
					...strings(event.aliases),
				]),
	].filter((id): id is string => id !== undefined);
	const appUserId = ids.find((id) => !id.startsWith(ANONYMOUS_PREFIX));
	const aliases = [...new Set(ids)].filter((id) => id !== appUserId);
	const attributes = record(event, "subscriber_attributes");
	const facts: CustomerFacts = {
		app_user_id: appUserId,
		app_user_aliases: aliases.length > 0 ? aliases : undefined,
		email: attribute(attributes, "$email"),
		name: attribute(attributes, "$displayName"),
		phone: attribute(attributes, "$phoneNumber"),
	};
	return Object.values(facts).some((value) => value !== undefined)
		? facts
		: undefined;
}

/** Subscriber attributes are `{ "$email": { value, updated_at_ms } }`. */
function attribute(
	attributes: Record<string, unknown> | undefined,
	key: string,
): string | undefined {
	return text(record(attributes, key), "value");
}

function strings(value: unknown): string[] {
	return Array.isArray(value)
		? value.filter(
				(item): item is string =>
					typeof item === "string" && item.trim() !== "" && item.length <= 200,
			)
		: [];
}

function numberOf(
	event: Record<string, unknown>,
	key: string,
): number | undefined {
	const value = event[key];
	return typeof value === "number" && Number.isFinite(value)
		? value
		: undefined;
}

const STORE_NAMES: Readonly<Record<string, string>> = {
	APP_STORE: "App Store",
	MAC_APP_STORE: "Mac App Store",
	PLAY_STORE: "Play Store",
	AMAZON: "Amazon Appstore",
};

function storeName(event: RevenueCatEvent): string {
	const store = text(event, "store");
	return (store && STORE_NAMES[store]) ?? "store";
}
