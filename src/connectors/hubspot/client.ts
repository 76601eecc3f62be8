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

// crm-contacts-v3 `SimplePublicObjectWithAssociations` (GET by e-mail).
const contactSchema = z.object({
	id: z.string(),
	properties: z.record(z.string(), z.string().nullable()).optional(),
});

// crm-contacts-v3 `BatchResponseSimplePublicUpsertObject(WithErrors)` and `StandardError`.
const upsertResponseSchema = z.object({
	results: z.array(
		z.object({
			id: z.string(),
			new: z.boolean().optional(),
			properties: z.record(z.string(), z.string().nullable()).optional(),
		}),
	),
	errors: z
		.array(
			z.object({
				status: z.string().optional(),
				category: z.string().optional(),
				message: z.string().optional(),
			}),
		)
		.optional(),
});
export type UpsertResponse = z.infer<typeof upsertResponseSchema>;

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

		/** GET /crm/v3/objects/contacts/{email}?idProperty=email: the contact's current lifecycle stage. */
		async getLifecycleStage(
			email: string,
			signal: AbortSignal,
		): Promise<
			Result<{ found: boolean; stage: string | undefined }, DeliveryOutcome>
		> {
			const query = "idProperty=email&properties=lifecyclestage";
			const sent = await call(
				{
					method: "GET",
					url: `/crm/v3/objects/contacts/${encodeURIComponent(email)}?${query}`,
				},
				signal,
			);
			if (!sent.ok) return sent;
			if (sent.value.status === 404)
				return ok({ found: false, stage: undefined });
			if (!isSuccess(sent.value)) return err(failure(sent.value));
			const parsed = contactSchema.safeParse(sent.value.json);
			if (!parsed.success) return err(unexpectedShape("HubSpot", "contact"));
			const stage = parsed.data.properties?.lifecyclestage ?? undefined;
			return ok({ found: true, stage: stage === "" ? undefined : stage });
		},

		/** POST /crm/v3/objects/contacts/batch/upsert with one input keyed by e-mail. 200 or 207. */
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

/** A 207 error for our one input as an outcome: rate limits and 5xx retry, the rest is permanent. */
export function batchErrorOutcome(
	error: NonNullable<UpsertResponse["errors"]>[number],
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
