/** Thin typed client for the Zendesk Support API calls Plumb makes; every reply is parsed with zod. */
import { z } from "zod";
import {
	type DeliveryOutcome,
	err,
	ok,
	outcome,
	type Result,
} from "../../core/index.ts";
import {
	classifyFailure,
	type HttpReply,
	type HttpRequest,
	isSuccess,
	send,
	unexpectedShape,
	type VendorProfile,
} from "../http.ts";

export interface ZendeskClientOptions {
	baseUrl: string;
	email: string;
	apiToken: string;
	fetch: typeof fetch;
	now: () => number;
}

// `TicketObject`: only the fields we read.
const ticketSchema = z.object({
	id: z.number().int(),
	status: z.string().optional(),
	external_id: z.string().nullable().optional(),
});
export type TicketSummary = z.infer<typeof ticketSchema>;
const ticketsResponseSchema = z.object({ tickets: z.array(ticketSchema) });
const ticketResponseSchema = z.object({ ticket: ticketSchema });
// `CurrentUserResponse` (GET /api/v2/users/me): anonymous callers get a user whose id is null.
const currentUserSchema = z.object({
	user: z.object({
		id: z.number().int().nullable(),
		role: z.string().nullish(),
	}),
});
// `TicketCommentsResponse`.
const commentsResponseSchema = z.object({
	comments: z.array(
		z.object({
			body: z.string().optional(),
			html_body: z.string().optional(),
			plain_body: z.string().optional(),
		}),
	),
});

// Zendesk's error bodies: {"error": "RecordInvalid", "description": "…", "details": {field: [{description}]}}
// or {"error": {"title": "…", "message": "…"}}.
const errorBodySchema = z.object({
	error: z
		.union([
			z.string(),
			z.object({
				title: z.string().optional(),
				message: z.string().optional(),
			}),
		])
		.optional(),
	description: z.string().optional(),
	details: z
		.record(
			z.string(),
			z.array(z.object({ description: z.string().optional() })),
		)
		.optional(),
});

function errorMessage(reply: HttpReply): string | undefined {
	const parsed = errorBodySchema.safeParse(reply.json);
	if (!parsed.success) return undefined;
	const { error, description, details } = parsed.data;
	const parts = [
		typeof error === "string" ? error : error?.title,
		typeof error === "object" ? error?.message : undefined,
		description,
		...Object.values(details ?? {}).flatMap((items) =>
			items.map((item) => item.description),
		),
	].filter((part): part is string => typeof part === "string" && part !== "");
	return parts.length > 0 ? parts.join(" — ") : undefined;
}

/** Zendesk sends Retry-After with its 429s; a minute is its rate-limit window when it does not. */
const RATE_LIMIT_FALLBACK_MS = 60_000;

export type ZendeskClient = ReturnType<typeof createZendeskClient>;

export function createZendeskClient(options: ZendeskClientOptions) {
	const base = options.baseUrl.replace(/\/+$/, "");
	// API token auth: Basic base64("{email}/token:{api_token}") (zendesk/NOTES.md).
	const basic = Buffer.from(
		`${options.email}/token:${options.apiToken}`,
	).toString("base64");
	const profile: VendorProfile = {
		name: "Zendesk",
		unauthorized:
			"Zendesk rejected the API token (401): check ZENDESK_EMAIL and ZENDESK_API_TOKEN",
		forbidden:
			"Zendesk refused access (403): the ZENDESK_EMAIL user must be an agent who may create and edit tickets, with token access enabled",
		secrets: [options.apiToken, basic],
		message: errorMessage,
	};

	async function call(
		request: Omit<HttpRequest, "headers">,
		signal: AbortSignal,
	): Promise<Result<HttpReply, DeliveryOutcome>> {
		const sent = await send(
			options.fetch,
			{
				...request,
				url: `${base}${request.url}`,
				headers: { authorization: `Basic ${basic}` },
			},
			signal,
			"Zendesk",
		);
		if (!sent.ok || isSuccess(sent.value)) return sent;
		return err(
			classifyFailure(
				sent.value,
				profile,
				options.now(),
				RATE_LIMIT_FALLBACK_MS,
			),
		);
	}

	return {
		profile,

		/**
		 * `plumb doctor`'s harmless read: GET /api/v2/users/me. Zendesk answers it even for anonymous
		 * callers, so the credentials only work if the user is known and an agent or admin.
		 */
		async check(signal: AbortSignal): Promise<Result<string, DeliveryOutcome>> {
			const sent = await call(
				{ method: "GET", url: "/api/v2/users/me" },
				signal,
			);
			if (!sent.ok) return sent;
			const parsed = currentUserSchema.safeParse(sent.value.json);
			if (!parsed.success)
				return err(unexpectedShape("Zendesk", "current user"));
			const { id, role } = parsed.data.user;
			if (id === null) return err(outcome.permanent(profile.unauthorized, 401));
			if (role !== "agent" && role !== "admin")
				return err(
					outcome.permanent(
						`Zendesk knows ZENDESK_EMAIL as ${role ?? "no role"}, not an agent: tickets need an agent`,
					),
				);
			return ok(`signed in as an ${role}`);
		},

		/** GET /api/v2/tickets?external_id=…: external ids are not unique, so this is a list. */
		async ticketsByExternalId(
			externalId: string,
			signal: AbortSignal,
		): Promise<Result<TicketSummary[], DeliveryOutcome>> {
			const sent = await call(
				{
					method: "GET",
					url: `/api/v2/tickets?external_id=${encodeURIComponent(externalId)}`,
				},
				signal,
			);
			if (!sent.ok) return sent;
			const parsed = ticketsResponseSchema.safeParse(sent.value.json);
			if (!parsed.success)
				return err(unexpectedShape("Zendesk", "ticket list"));
			// Zendesk filters already; we check again so only an exact key ever matches.
			return ok(
				parsed.data.tickets.filter((t) => t.external_id === externalId),
			);
		},

		/** POST /api/v2/tickets → 201 {ticket}. `undefined` id means "created, but the reply was unreadable". */
		async createTicket(
			body: unknown,
			signal: AbortSignal,
		): Promise<Result<number | undefined, DeliveryOutcome>> {
			const sent = await call(
				{ method: "POST", url: "/api/v2/tickets", body },
				signal,
			);
			if (!sent.ok) return sent;
			const parsed = ticketResponseSchema.safeParse(sent.value.json);
			return ok(parsed.success ? parsed.data.ticket.id : undefined);
		},

		/** PUT /api/v2/tickets/{id} → 200. */
		async updateTicket(
			id: number,
			body: unknown,
			signal: AbortSignal,
		): Promise<Result<true, DeliveryOutcome>> {
			const sent = await call(
				{ method: "PUT", url: `/api/v2/tickets/${id}`, body },
				signal,
			);
			return sent.ok ? ok(true) : sent;
		},

		/** GET /api/v2/tickets/{id}/comments: the first page (up to 100 comments). */
		async commentBodies(
			id: number,
			signal: AbortSignal,
		): Promise<Result<string[], DeliveryOutcome>> {
			const sent = await call(
				{ method: "GET", url: `/api/v2/tickets/${id}/comments` },
				signal,
			);
			if (!sent.ok) return sent;
			const parsed = commentsResponseSchema.safeParse(sent.value.json);
			if (!parsed.success) return err(unexpectedShape("Zendesk", "comments"));
			return ok(
				parsed.data.comments.map((c) =>
					[c.body, c.html_body, c.plain_body].join("\n"),
				),
			);
		},
	};
}
