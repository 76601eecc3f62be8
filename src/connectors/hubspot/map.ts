/** Pure mapping from Plumb's customer snapshot to HubSpot contact properties (PRODUCT §5 "CRM fields"). */
import type { CustomerSnapshot } from "../../core/index.ts";

/** A custom contact property Plumb creates when it is missing (crm-properties-v3 `PropertyCreate`). */
export interface PropertyDefinition {
	name: string;
	label: string;
	type: "string" | "enumeration" | "datetime";
	fieldType: "text" | "select" | "date";
	groupName: string;
	description: string;
	formField: boolean;
	options?: Array<{
		label: string;
		value: string;
		hidden: boolean;
		displayOrder: number;
	}>;
}

// "contactinformation" is the group every HubSpot account has for contact properties.
const GROUP = "contactinformation";

const text = (
	name: string,
	label: string,
	description: string,
): PropertyDefinition => ({
	name,
	label,
	type: "string",
	fieldType: "text",
	groupName: GROUP,
	description,
	formField: false,
});

const select = (
	name: string,
	label: string,
	description: string,
	values: readonly string[],
): PropertyDefinition => ({
	...text(name, label, description),
	type: "enumeration",
	fieldType: "select",
	options: values.map((value, index) => ({
		label: value,
		value,
		hidden: false,
		displayOrder: index,
	})),
});

/** Plumb's custom contact properties (PRODUCT §5). Written by Plumb only; edit them in Plumb, not HubSpot. */
export const PLUMB_PROPERTIES: readonly PropertyDefinition[] = [
	text(
		"plumb_plan",
		"Plan (Plumb)",
		"The billing plan, from the payment provider.",
	),
	text(
		"plumb_plan_status",
		"Plan status (Plumb)",
		"Subscription status from the payment provider (active, past_due, canceled …).",
	),
	select("plumb_tier", "Tier (Plumb)", "Support tier from PLUMB_PLANS.", [
		"free",
		"standard",
		"pro",
	]),
	text("plumb_app_user_id", "App user id (Plumb)", "The user id in your app."),
	text(
		"plumb_lead_source",
		"Lead source (Plumb)",
		"UTM source or referrer at first touch.",
	),
	select(
		"plumb_last_payment_status",
		"Last payment status (Plumb)",
		"The latest payment's outcome.",
		["paid", "failed", "refunded", "disputed"],
	),
	{
		...text(
			"plumb_last_payment_at",
			"Last payment at (Plumb)",
			"When the latest payment happened.",
		),
		type: "datetime",
		fieldType: "date",
	},
	select(
		"plumb_billing_provider",
		"Billing provider (Plumb)",
		"The payment provider that bills this customer now.",
		["stripe", "revenuecat", "paypal"],
	),
	text(
		"plumb_customer_url",
		"Plumb dashboard page",
		"The customer's page in Plumb's dashboard.",
	),
];

/** HubSpot's default lifecycle stages in their forward order (hubspot/NOTES.md). */
export const DEFAULT_LIFECYCLE_ORDER: readonly string[] = [
	"subscriber",
	"lead",
	"marketingqualifiedlead",
	"salesqualifiedlead",
	"opportunity",
	"customer",
	"evangelist",
	"other",
];

/**
 * The lifecycle stage to send, or undefined to leave HubSpot's alone. HubSpot only moves a stage
 * forward, and stages are per account (custom ones have numeric ids), so we send ours only when
 * the contact has no stage yet or ours comes strictly later in the account's own order. A stage we
 * cannot place in that order is never overwritten.
 */
export function lifecycleToSend(
	ours: string | undefined,
	current: string | undefined,
	order: readonly string[],
): string | undefined {
	if (ours === undefined) return undefined;
	const rankOfOurs = order.indexOf(ours);
	if (rankOfOurs === -1) return undefined;
	if (current === undefined || current.trim() === "") return ours;
	const rankOfCurrent = order.indexOf(current);
	if (rankOfCurrent === -1) return undefined;
	return rankOfOurs > rankOfCurrent ? ours : undefined;
}

/** "Ada King Lovelace" → Ada / King Lovelace; a single word is a first name. */
export function splitName(name: string | undefined): {
	firstname?: string;
	lastname?: string;
} {
	const words = (name ?? "").trim().split(/\s+/).filter(Boolean);
	const [first, ...rest] = words;
	if (first === undefined) return {};
	return rest.length === 0
		? { firstname: first }
		: { firstname: first, lastname: rest.join(" ") };
}

/**
 * The contact's properties as HubSpot strings. Unknown or blank values are left out entirely, so an
 * upsert never writes an empty value over a known one (the seed symptom "blanks over good data").
 */
export function contactProperties(
	customer: CustomerSnapshot,
	lifecycleStage: string | undefined,
): Record<string, string> {
	const candidates: Record<string, string | undefined> = {
		email: normalizeEmail(customer.email),
		...splitName(customer.name),
		phone: customer.phone,
		lifecyclestage: lifecycleStage,
		plumb_plan: customer.plan,
		plumb_plan_status: customer.plan_status,
		plumb_tier: customer.tier,
		plumb_app_user_id: customer.app_user_id,
		plumb_lead_source: customer.lead_source,
		plumb_last_payment_status: customer.last_payment_status,
		plumb_last_payment_at: isoOrUndefined(customer.last_payment_at),
		plumb_billing_provider: customer.billing_provider,
		plumb_customer_url: customer.url,
	};
	const properties: Record<string, string> = {};
	for (const [name, value] of Object.entries(candidates)) {
		const trimmed = value?.trim();
		if (trimmed !== undefined && trimmed !== "") properties[name] = trimmed;
	}
	return properties;
}

/** HubSpot datetime properties take ISO 8601; anything unreadable is left out rather than refused. */
function isoOrUndefined(value: string | undefined): string | undefined {
	if (value === undefined) return undefined;
	const ms = Date.parse(value);
	return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** One contact in a batch upsert; the trace id (the delivery's id) finds its result again. */
export interface UpsertInput {
	email: string;
	traceId: string;
	properties: Record<string, string>;
}

/** The batch/upsert body (crm-contacts-v3 `BatchInputSimplePublicObjectBatchInputUpsert`), keyed by e-mail. */
export function upsertBody(inputs: readonly UpsertInput[]) {
	return {
		inputs: inputs.map((input) => ({
			id: input.email,
			idProperty: "email",
			objectWriteTraceId: input.traceId,
			properties: input.properties,
		})),
	};
}

/** HubSpot matches e-mails case-insensitively; we key on the trimmed, lower-cased address. */
export function normalizeEmail(email: string | undefined): string | undefined {
	const trimmed = email?.trim().toLowerCase();
	return trimmed === undefined || trimmed === "" || !trimmed.includes("@")
		? undefined
		: trimmed;
}
