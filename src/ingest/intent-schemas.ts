/** POST /v1/events bodies (PRODUCT §4): strict zod schemas per intent type, and the field errors they give. */
import { createHash } from "node:crypto";
import { z } from "zod";
import { isStorableText } from "../http/index.ts";

export const INTENT_TYPES = [
	"signup",
	"lead_captured",
	"chat_started",
	"support_requested",
] as const;
export type IntentType = (typeof INTENT_TYPES)[number];

/** The categories a client may suggest. `dispute` is not one: only a payment provider's dispute (Stripe, PayPal) opens that (urgent for every tier). */
export const SUPPORT_CATEGORY_HINTS = [
	"billing_issue",
	"refund_request",
	"onboarding_blocker",
	"account_access",
	"bug",
	"other",
] as const;

/** Upper bounds on every string and list, in characters; the 64 KiB body limit bounds the sum. */
export const INTENT_LIMITS = {
	email: 254,
	name: 200,
	phone: 32,
	company: 200,
	source: 100,
	utmField: 200,
	referrer: 2048,
	userId: 200,
	sessionId: 200,
	subject: 200,
	message: 10_000,
	url: 2048,
	attachments: 10,
} as const;

/**
 * Trimmed text up to `max` characters. NUL and unpaired surrogates are refused, not repaired
 * (http/storable.ts; the route refuses them anywhere in the body before this schema runs).
 */
function text(max: number) {
	return z.string().trim().max(max).refine(isStorableText, {
		error: "must not contain NUL characters or unpaired surrogates",
	});
}

/** Required text: empty after trimming is an error. */
const required = (max: number) =>
	text(max).refine((value) => value !== "", { error: "must not be empty" });

/** Optional text: an empty string (a blank form field) counts as absent. */
const optional = (max: number) => text(max).optional();

const email = z
	.string()
	.trim()
	.toLowerCase()
	.max(INTENT_LIMITS.email)
	.pipe(z.email({ error: "must be an e-mail address" }));

const PHONE = /^\+?[0-9 ().-]{3,31}$/;
const phone = optional(INTENT_LIMITS.phone).refine(
	(value) => value === undefined || value === "" || PHONE.test(value),
	{ error: "must be a phone number: digits, spaces, + ( ) . -" },
);

/** Printable, no spaces: ids that end up in logs, keys and URLs. */
const TOKEN = /^[A-Za-z0-9._:@/+=-]+$/;

function isHttpUrl(value: string): boolean {
	try {
		const url = new URL(value);
		return url.protocol === "http:" || url.protocol === "https:";
	} catch {
		return false;
	}
}

/** Attachment links are stored and shown, never fetched by Plumb, so only the scheme matters here. */
const attachmentUrl = required(INTENT_LIMITS.url).refine(isHttpUrl, {
	error: "must be an http(s) URL",
});

const utm = z.strictObject({
	source: optional(INTENT_LIMITS.utmField),
	medium: optional(INTENT_LIMITS.utmField),
	campaign: optional(INTENT_LIMITS.utmField),
});

/** Only a server API key may say whom an intent is about; end users are their token. */
const customer = z.strictObject({
	email,
	user_id: required(INTENT_LIMITS.userId)
		.refine((value) => TOKEN.test(value), {
			error: "must be an id without spaces",
		})
		.optional(),
});

const signupData = z.strictObject({
	email,
	name: optional(INTENT_LIMITS.name),
	phone,
	utm: utm.optional(),
	referrer: optional(INTENT_LIMITS.referrer),
});

const leadData = z.strictObject({
	email,
	name: optional(INTENT_LIMITS.name),
	company: optional(INTENT_LIMITS.company),
	phone,
	source: optional(INTENT_LIMITS.source),
	utm: utm.optional(),
});

const chatData = z.strictObject({
	session_id: required(INTENT_LIMITS.sessionId).refine(
		(value) => TOKEN.test(value),
		{
			error: "must be an id without spaces",
		},
	),
});

const supportData = z.strictObject({
	message: required(INTENT_LIMITS.message),
	subject: optional(INTENT_LIMITS.subject),
	category: z.enum(SUPPORT_CATEGORY_HINTS).optional(),
	attachments: z.array(attachmentUrl).max(INTENT_LIMITS.attachments).optional(),
});

/** The whole body, discriminated by `type`; every object is strict, so an unknown field is a 400. */
export const intentBodySchema = z.discriminatedUnion("type", [
	z.strictObject({
		type: z.literal("signup"),
		data: signupData,
		customer: customer.optional(),
	}),
	z.strictObject({
		type: z.literal("lead_captured"),
		data: leadData,
		customer: customer.optional(),
	}),
	z.strictObject({
		type: z.literal("chat_started"),
		data: chatData,
		customer: customer.optional(),
	}),
	z.strictObject({
		type: z.literal("support_requested"),
		data: supportData,
		customer: customer.optional(),
	}),
]);

/** A validated intent body. */
export type IntentBody = z.infer<typeof intentBodySchema>;
/** What a client may send (before trimming and lower-casing). */
export type IntentBodyInput = z.input<typeof intentBodySchema>;

/** One entry of a 400's `details`. */
export interface FieldError {
	field: string;
	message: string;
}

/** Reflected field names are cut short and the list is bounded, so a hostile body cannot make a huge answer. */
const MAX_FIELD_ERRORS = 20;
const MAX_FIELD_NAME = 100;

/** zod issues as `{field, message}`, one per unknown key; never the rejected value. */
export function fieldErrors(error: z.ZodError): FieldError[] {
	const out: FieldError[] = [];
	for (const issue of error.issues) {
		const base = issue.path.map(String).join(".");
		if (issue.code === "unrecognized_keys") {
			for (const key of issue.keys)
				out.push({
					field: (base === "" ? key : `${base}.${key}`).slice(
						0,
						MAX_FIELD_NAME,
					),
					message: "is not a known field",
				});
		} else {
			out.push({
				field: base === "" ? "(body)" : base.slice(0, MAX_FIELD_NAME),
				message: issue.message,
			});
		}
	}
	return out.slice(0, MAX_FIELD_ERRORS);
}

/** JSON with sorted keys: two bodies that mean the same hash the same, whatever their spacing or key order. */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
	if (typeof value === "object" && value !== null) {
		const entries = Object.keys(value)
			.sort()
			.map(
				(key) =>
					`${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
			);
		return `{${entries.join(",")}}`;
	}
	return JSON.stringify(value) ?? "null";
}

/** What an Idempotency-Key is compared against: the SHA-256 of the canonical body as received. */
export function requestHash(body: unknown): string {
	return createHash("sha256").update(canonicalJson(body)).digest("hex");
}
