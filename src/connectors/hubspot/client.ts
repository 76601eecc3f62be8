/** Thin typed client for the HubSpot CRM v3 calls Plumb makes; every reply is parsed with zod. */
import { z } from "zod";
import {
	type DeliveryOutcome,
	err,
	MAX_RETRY_AFTER_MS,
	ok,
	outcome,
	type Result,
} from "../../core/index.ts";
import {
	classifyFailure,
	type HttpReply,
	type HttpRequest,
	isSuccess,
	safeText,
	send,
	unexpectedShape,
	type VendorProfile,
} from "../http.ts";
import type { PropertyDefinition } from "./map.ts";

export interface HubSpotClientOptions {
	baseUrl: string;
	accessToken: string;
	fetch: typeof fetch;
	now: () => number;
}

// crm-properties-v3 `Property` / `Option`: only the fields we read; HubSpot adds others over time.
const propertySchema = z.object({
	name: z.string(),
	options: z
		.array(z.object({ value: z.string(), displayOrder: z.number().optional() }))
		.optional(),
});
const propertyListSchema = z.object({ results: z.array(propertySchema) });
export type PropertySummary = z.infer<typeof propertySchema>;

// crm-contacts-v3 `StandardError`: a batch names the inputs it is about in `context`
// (`ids` on a batch read; the input's id or objectWriteTraceId on a batch write).
const standardErrorSchema = z.object({
	status: z.string().optional(),
	category: z.string().optional(),
	message: z.string().optional(),
	context: z.record(z.string(), z.array(z.string())).optional(),
});
export type BatchError = z.infer<typeof standardErrorSchema>;

// crm-contacts-v3 `BatchResponseSimplePublicObject(WithErrors)` (batch read by e-mail).
const readResponseSchema = z.object({
	results: z.array(
		z.object({
			id: z.string(),
			properties: z.record(z.string(), z.string().nullable()).optional(),
		}),
	),
	errors: z.array(standardErrorSchema).optional(),
});

// crm-contacts-v3 `BatchResponseSimplePublicUpsertObject(WithErrors)`.
const upsertResponseSchema = z.object({
	results: z.array(
		z.object({
			id: z.string(),
			new: z.boolean().optional(),
			objectWriteTraceId: z.string().optional(),
			properties: z.record(z.string(), z.string().nullable()).optional(),
		}),
	),
	errors: z.array(standardErrorSchema).optional(),
});
export type UpsertResponse = z.infer<typeof upsertResponseSchema>;

/** What a batch read says of one e-mail: its stage, no such contact, or nothing we can rely on. */
export type ContactStage =
	| { kind: "found"; stage: string | undefined }
	| { kind: "missing" }
	| { kind: "unknown" };

/** The values an error's `context` names, lower-cased (e-mails) and as sent (trace ids). */
export function namedInError(error: BatchError): Set<string> {
	const named = new Set<string>();
	for (const values of Object.values(error.context ?? {}))
		for (const value of values) {
			named.add(value);
			named.add(value.trim().toLowerCase());
		}
	return named;
}

// The `Error` body: {status, message, correlationId, category, policyName (on 429) …}.
const errorBodySchema = z.object({
	message: z.string().optional(),
	category: z.string().optional(),
	policyName: z.string().optional(),
});

export const HUBSPOT_SCOPES =
	"crm.objects.contacts.read, crm.objects.contacts.write, crm.schemas.contacts.read and crm.schemas.contacts.write";

export type HubSpotClient = ReturnType<typeof createHubSpotClient>;

export function createHubSpotClient(options: HubSpotClientOptions) {
	const base = options.baseUrl.replace(/\/+$/, "");
	const profile: VendorProfile = {
		name: "HubSpot",
		unauthorized:
			"HubSpot rejected the access token (401): check HUBSPOT_ACCESS_TOKEN (a private app token)",
		forbidden: `HubSpot refused access (403): the private app behind HUBSPOT_ACCESS_TOKEN needs the scopes ${HUBSPOT_SCOPES}`,
		secrets: [options.accessToken],
		message: (reply) => {
			const body = errorBodySchema.safeParse(reply.json);
			if (!body.success || body.data.message === undefined) return undefined;
			return body.data.category
				? `${body.data.category}: ${body.data.message}`
				: body.data.message;
		},
	};

	async function call(
		request: Omit<HttpRequest, "headers">,
		signal: AbortSignal,
	): Promise<Result<HttpReply, DeliveryOutcome>> {
		return send(
			options.fetch,
			{
				...request,
				url: `${base}${request.url}`,
				headers: { authorization: `Bearer ${options.accessToken}` },
			},
			signal,
			"HubSpot",
		);
	}

	function failure(reply: HttpReply): DeliveryOutcome {
		return classifyFailure(
			reply,
			profile,
			options.now(),
			rateLimitWait(reply, options.now()),
		);
	}

	return {
		profile,

		/**
		 * `plumb doctor`'s harmless read: the contact properties, which the token can only list with the
		 * schema scope Plumb needs anyway. Ok → how many properties it saw.
		 */
		async check(signal: AbortSignal): Promise<Result<string, DeliveryOutcome>> {
			const listed = await this.listContactProperties(signal);
			return listed.ok
				? ok(
						`token accepted; ${listed.value.length} contact properties readable`,
					)
				: listed;
		},

		/** GET /crm/v3/properties/contacts: which properties exist, and the account's lifecycle stages. */
		async listContactProperties(
			signal: AbortSignal,
		): Promise<Result<PropertySummary[], DeliveryOutcome>> {
			const sent = await call(
				{ method: "GET", url: "/crm/v3/properties/contacts" },
				signal,
			);
			if (!sent.ok) return sent;
			if (!isSuccess(sent.value)) return err(failure(sent.value));
			const parsed = propertyListSchema.safeParse(sent.value.json);
			if (!parsed.success)
				return err(unexpectedShape("HubSpot", "property list"));
			return ok(parsed.data.results);
		},

		/** POST /crm/v3/properties/contacts; 409 means it already exists (another process made it). */
		async createContactProperty(
			definition: PropertyDefinition,
			signal: AbortSignal,
		): Promise<Result<"created" | "exists", DeliveryOutcome>> {
			const sent = await call(
				{
					method: "POST",
					url: "/crm/v3/properties/contacts",
					body: definition,
				},
				signal,
			);
			if (!sent.ok) return sent;
			if (sent.value.status === 409) return ok("exists");
			if (!isSuccess(sent.value)) return err(failure(sent.value));
			return ok("created");
		},

		/**
		 * POST /crm/v3/objects/contacts/batch/read by e-mail: each contact's lifecycle stage, in one call
		 * for up to 100 e-mails. A contact HubSpot does not have is `missing` (OBJECT_NOT_FOUND, or simply
		 * absent from the results); one named in any other error is `unknown`.
		 */
		async readLifecycleStages(
			emails: readonly string[],
			signal: AbortSignal,
		): Promise<Result<Map<string, ContactStage>, DeliveryOutcome>> {
			const sent = await call(
				{
					method: "POST",
					url: "/crm/v3/objects/contacts/batch/read",
					body: {
						idProperty: "email",
						inputs: emails.map((id) => ({ id })),
						properties: ["email", "lifecyclestage"],
						propertiesWithHistory: [],
					},
				},
				signal,
			);
			if (!sent.ok) return sent;
			if (!isSuccess(sent.value)) return err(failure(sent.value));
			const parsed = readResponseSchema.safeParse(sent.value.json);
			if (!parsed.success)
				return err(unexpectedShape("HubSpot", "batch read reply"));
			const stages = new Map<string, ContactStage>(
				emails.map((email) => [email, { kind: "missing" }]),
			);
			for (const error of parsed.data.errors ?? []) {
				if (error.category === "OBJECT_NOT_FOUND") continue;
				for (const name of namedInError(error))
					if (stages.has(name)) stages.set(name, { kind: "unknown" });
			}
			for (const result of parsed.data.results) {
				const email = result.properties?.email?.trim().toLowerCase();
				if (email === undefined || !stages.has(email)) continue;
				const stage = result.properties?.lifecyclestage ?? undefined;
				stages.set(email, {
					kind: "found",
					stage: stage === "" ? undefined : stage,
				});
			}
			return ok(stages);
		},

		/** POST /crm/v3/objects/contacts/batch/upsert, inputs keyed by e-mail. 200, or 207 with per-input errors. */
		async upsertContacts(
			body: unknown,
			signal: AbortSignal,
		): Promise<Result<UpsertResponse, DeliveryOutcome>> {
			const sent = await call(
				{
					method: "POST",
					url: "/crm/v3/objects/contacts/batch/upsert",
					body,
				},
				signal,
			);
			if (!sent.ok) return sent;
			if (!isSuccess(sent.value)) return err(failure(sent.value));
			const parsed = upsertResponseSchema.safeParse(sent.value.json);
			if (!parsed.success)
				return err(unexpectedShape("HubSpot", "batch upsert reply"));
			return ok(parsed.data);
		},
	};
}

/**
 * How long to wait after a 429 that carries no Retry-After. HubSpot names the exhausted policy in
 * the body (`policyName`: TEN_SECONDLY_ROLLING, SECONDLY, DAILY) and describes the window in the
 * X-HubSpot-RateLimit-* headers (developers.hubspot.com changelog 2018-11-06, "Rate limit
 * information headers"; API usage guidelines).
 */
export function rateLimitWait(reply: HttpReply, nowMs: number): number {
	const body = errorBodySchema.safeParse(reply.json);
	const policy = body.success ? body.data.policyName : undefined;
	const dailyLeft = reply.headers.get("x-hubspot-ratelimit-daily-remaining");
	if (policy === "DAILY" || dailyLeft === "0") {
		const midnight = new Date(nowMs);
		midnight.setUTCHours(24, 0, 0, 0);
		return Math.min(midnight.getTime() - nowMs, MAX_RETRY_AFTER_MS);
	}
	const interval = Number(
		reply.headers.get("x-hubspot-ratelimit-interval-milliseconds"),
	);
	return Number.isFinite(interval) && interval > 0 && interval <= 60_000
		? interval
		: 10_000;
}

/** A 207 error naming one input, as that input's outcome: rate limits and 5xx retry, the rest is permanent. */
export function batchErrorOutcome(
	error: BatchError,
	secrets: readonly string[],
): DeliveryOutcome {
	const status = Number(error.status);
	const detail = safeText(
		`${error.category ?? "ERROR"}: ${error.message ?? "no message"}`,
		secrets,
	);
	if (status === 429 || error.category === "RATE_LIMITS") {
		return outcome.retry(`HubSpot rate-limited the contact (207): ${detail}`, {
			rateLimited: true,
			afterMs: 10_000,
		});
	}
	if (status >= 500)
		return outcome.retry(`HubSpot failed the contact (207): ${detail}`);
	return outcome.permanent(`HubSpot refused the contact (207): ${detail}`);
}
