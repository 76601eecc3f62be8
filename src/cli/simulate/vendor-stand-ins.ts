/**
 * Stateful loopback stand-ins for HubSpot (contacts by e-mail), Zendesk (tickets by external id)
 * and Slack (an incoming webhook), with the faults of ./loopback-vendor.ts. Shapes follow the specs
 * in ../shared/contracts (read there, never copied); Prism checks the exact schemas in test/e2e.
 */
import {
	type StandInReply,
	type StandInRequest,
	startStandIn,
} from "./loopback-vendor.ts";

export type { Fault, StandIn, StandInRequest } from "./loopback-vendor.ts";
export { closedPort, startStandIn } from "./loopback-vendor.ts";

const iso = () => new Date().toISOString();
type Json = Record<string, unknown>;

/** HubSpot's answer to a request over its rolling window (the body of its 429). */
export const HUBSPOT_RATE_LIMIT_BODY = {
	status: "error",
	message: "You have reached your ten_secondly_rolling limit.",
	errorType: "RATE_LIMIT",
	correlationId: "00000000-0000-0000-0000-000000000000",
	policyName: "TEN_SECONDLY_ROLLING",
} as const;

export interface HubSpotContact {
	id: string;
	properties: Record<string, string>;
}

/** A refusal HubSpot gives one input of a batch (a `StandardError` in a 207). */
export interface HubSpotInputError {
	status: string;
	category: string;
	message: string;
}

/**
 * HubSpot: properties v3 and contacts v3, keyed by e-mail; lifecycle stages only move forward.
 * Batches as HubSpot documents them: at most 100 inputs, no e-mail twice, a 207 naming the inputs
 * that failed (`context.ids`), and, with `rateLimit`, a rolling window answered with 429 and the
 * X-HubSpot-RateLimit-* headers (developers.hubspot.com, API usage guidelines).
 */
export async function startHubSpotStandIn(options: {
	token: string;
	rateLimit?: { max: number; windowMs: number };
	port?: number;
}) {
	// HubSpot's default stages in their forward order (hubspot/NOTES.md).
	const stages =
		"subscriber lead marketingqualifiedlead salesqualifiedlead opportunity customer evangelist other".split(
			" ",
		);
	const properties = new Map<string, Json>(
		["email", "firstname", "lastname", "phone"].map((name) => [
			name,
			{ name, options: [] },
		]),
	);
	properties.set("lifecyclestage", {
		name: "lifecyclestage",
		options: stages.map((value, displayOrder) => ({
			value,
			label: value,
			hidden: false,
			displayOrder,
		})),
	});
	const contacts = new Map<string, HubSpotContact>();
	/** Every property value ever written, in order, per e-mail: to prove no blank was sent. */
	const writes: Array<{ email: string; properties: Record<string, string> }> =
		[];
	const state = {
		hideProperties: false,
		nextId: 1001,
		/** Requests answered 429 by the rolling window. */
		tooMany: 0,
		/** Contacts whose input gets this error in a 207, the others of the batch going through. */
		refuse: new Map<string, HubSpotInputError>(),
		/** Contacts with a value HubSpot refuses for the whole batch (400, as for a bad property value). */
		poison: new Set<string>(),
	};
	const window: number[] = [];
	const limitHeaders = (remaining: number): Record<string, string> =>
		options.rateLimit
			? {
					"x-hubspot-ratelimit-interval-milliseconds": String(
						options.rateLimit.windowMs,
					),
					"x-hubspot-ratelimit-max": String(options.rateLimit.max),
					"x-hubspot-ratelimit-remaining": String(remaining),
				}
			: {};
	const error = (
		status: number,
		category: string,
		message: string,
	): StandInReply => ({
		status,
		body: {
			status: "error",
			message,
			correlationId: "00000000-0000-0000-0000-000000000000",
			category,
		},
	});

	const handle = (req: StandInRequest): StandInReply => {
		if (req.headers.authorization !== `Bearer ${options.token}`)
			return error(
				401,
				"INVALID_AUTHENTICATION",
				"Authentication credentials not found.",
			);
		if (req.method === "GET" && req.path === "/crm/v3/properties/contacts")
			return {
				status: 200,
				body: { results: state.hideProperties ? [] : [...properties.values()] },
			};
		if (req.method === "POST" && req.path === "/crm/v3/properties/contacts") {
			const def = req.body as Json;
			const name = String(def.name);
			if (properties.has(name))
				return error(
					409,
					"OBJECT_ALREADY_EXISTS",
					`Property named '${name}' already exists.`,
				);
			properties.set(name, { ...def, createdAt: iso() });
			return { status: 201, body: properties.get(name) };
		}
		const contactPath = /^\/crm\/v3\/objects\/contacts\/([^/]+)$/.exec(
			req.path,
		);
		if (
			req.method === "GET" &&
			contactPath &&
			req.query.get("idProperty") === "email"
		) {
			const contact = contacts.get(String(contactPath[1]).toLowerCase());
			if (!contact) return error(404, "OBJECT_NOT_FOUND", "Object not found.");
			return {
				status: 200,
				body: {
					...contact,
					createdAt: iso(),
					updatedAt: iso(),
					archived: false,
				},
			};
		}
		if (
			req.method === "POST" &&
			req.path === "/crm/v3/objects/contacts/batch/read"
		) {
			const body = req.body as {
				idProperty?: string;
				inputs: Array<{ id: string }>;
				properties: string[];
			};
			if (body.inputs.length > 100)
				return error(400, "VALIDATION_ERROR", "Batch size cannot exceed 100");
			const results = [];
			const missing: string[] = [];
			for (const input of body.inputs) {
				const contact = contacts.get(input.id.toLowerCase());
				if (!contact) {
					missing.push(input.id);
					continue;
				}
				results.push({
					id: contact.id,
					properties: Object.fromEntries(
						body.properties.map((name) => [
							name,
							contact.properties[name] ?? null,
						]),
					),
					createdAt: iso(),
					updatedAt: iso(),
					archived: false,
				});
			}
			const errors =
				missing.length === 0
					? []
					: [
							{
								status: "error",
								category: "OBJECT_NOT_FOUND",
								message:
									"Could not get some CONTACT objects, they may be deleted or not exist.",
								context: { ids: missing },
								errors: [],
								links: {},
							},
						];
			return batchAnswer(results, errors);
		}
		if (
			req.method === "POST" &&
			req.path === "/crm/v3/objects/contacts/batch/upsert"
		) {
			const inputs = (
				req.body as {
					inputs: Array<{
						id: string;
						idProperty: string;
						objectWriteTraceId?: string;
						properties: Record<string, string>;
					}>;
				}
			).inputs;
			if (inputs.length > 100)
				return error(400, "VALIDATION_ERROR", "Batch size cannot exceed 100");
			const ids = inputs.map((input) => input.id.toLowerCase());
			if (new Set(ids).size !== ids.length)
				return error(
					400,
					"VALIDATION_ERROR",
					"Duplicate IDs found in batch input",
				);
			const poisoned = ids.find((id) => state.poison.has(id));
			if (poisoned !== undefined)
				return error(
					400,
					"VALIDATION_ERROR",
					`Property values were not valid: INVALID_OPTION for ${poisoned}`,
				);
			const results = [];
			const errors = [];
			for (const input of inputs) {
				const refused = state.refuse.get(input.id.toLowerCase());
				if (refused) {
					errors.push({
						...refused,
						context: { ids: [input.id] },
						errors: [],
						links: {},
					});
					continue;
				}
				const unknown = Object.keys(input.properties).filter(
					(n) => !properties.has(n),
				);
				if (unknown.length > 0)
					return error(
						400,
						"VALIDATION_ERROR",
						`Property values were not valid: PROPERTY_DOESNT_EXIST ${unknown.join(",")}`,
					);
				const email = input.id.toLowerCase();
				writes.push({ email, properties: { ...input.properties } });
				const existing = contacts.get(email);
				const contact = existing ?? {
					id: String(state.nextId++),
					properties: { email },
				};
				const next = { ...input.properties };
				const from = stages.indexOf(contact.properties.lifecyclestage ?? "");
				// HubSpot ignores a backward lifecycle move (hubspot/NOTES.md).
				if (
					next.lifecyclestage !== undefined &&
					from >= stages.indexOf(next.lifecyclestage)
				)
					delete next.lifecyclestage;
				Object.assign(contact.properties, next);
				contacts.set(email, contact);
				results.push({
					id: contact.id,
					new: !existing,
					properties: { ...contact.properties },
					...(input.objectWriteTraceId === undefined
						? {}
						: { objectWriteTraceId: input.objectWriteTraceId }),
					createdAt: iso(),
					updatedAt: iso(),
					archived: false,
				});
			}
			return batchAnswer(results, errors);
		}
		return error(404, "OBJECT_NOT_FOUND", `No route ${req.method} ${req.path}`);
	};

	const standIn = await startStandIn((req) => {
		const limit = options.rateLimit;
		if (limit === undefined) return handle(req);
		const now = Date.now();
		while (window.length > 0 && (window[0] as number) <= now - limit.windowMs)
			window.shift();
		if (window.length >= limit.max) {
			state.tooMany++;
			return {
				status: 429,
				headers: limitHeaders(0),
				body: HUBSPOT_RATE_LIMIT_BODY,
			};
		}
		window.push(now);
		const reply = handle(req);
		return {
			...reply,
			headers: {
				...limitHeaders(limit.max - window.length),
				...reply.headers,
			},
		};
	}, options.port);
	return { ...standIn, contacts, properties, writes, state };
}

export interface ZendeskTicket {
	id: number;
	status: string;
	external_id: string | null;
	subject: string;
	priority: string | null;
	tags: string[];
	requester: Json | undefined;
	comments: Json[];
}

/** Zendesk: tickets v2 with external ids (not unique), private comments, and closed tickets frozen. */
export async function startZendeskStandIn(options: {
	email: string;
	token: string;
	port?: number;
}) {
	const basic = `Basic ${Buffer.from(`${options.email}/token:${options.token}`).toString("base64")}`;
	const tickets = new Map<number, ZendeskTicket>();
	const state = { nextId: 501 };
	const invalid = (field: string, description: string): StandInReply => ({
		status: 422,
		body: {
			error: "RecordInvalid",
			description: "Record validation errors",
			details: { [field]: [{ description }] },
		},
	});
	const view = (t: ZendeskTicket) => ({
		...t,
		comments: undefined,
		requester_id: 9001,
		created_at: iso(),
		updated_at: iso(),
	});

	const standIn = await startStandIn((req) => {
		if (req.headers.authorization !== basic)
			return { status: 401, body: { error: "Couldn't authenticate you" } };
		if (req.method === "GET" && req.path === "/api/v2/tickets") {
			const key = req.query.get("external_id");
			const list = [...tickets.values()].filter(
				(t) => key === null || t.external_id === key,
			);
			return {
				status: 200,
				body: { tickets: list.map(view), count: list.length },
			};
		}
		if (req.method === "POST" && req.path === "/api/v2/tickets") {
			const input = (req.body as { ticket?: Json }).ticket ?? {};
			if (input.comment === undefined)
				return invalid("comment", "Comment: cannot be blank");
			if (
				input.priority !== undefined &&
				!["urgent", "high", "normal", "low"].includes(String(input.priority))
			)
				return invalid("priority", "Priority: is not valid");
			const ticket: ZendeskTicket = {
				id: state.nextId++,
				status: "new",
				external_id: (input.external_id as string | undefined) ?? null,
				subject: String(input.subject ?? ""),
				priority: (input.priority as string | undefined) ?? null,
				tags: (input.tags as string[] | undefined) ?? [],
				requester: input.requester as Json | undefined,
				comments: [input.comment as Json],
			};
			tickets.set(ticket.id, ticket);
			return {
				status: 201,
				body: { ticket: view(ticket) },
				headers: { location: `/api/v2/tickets/${ticket.id}.json` },
			};
		}
		const one = /^\/api\/v2\/tickets\/(\d+)(\/comments)?$/.exec(req.path);
		const ticket = one ? tickets.get(Number(one[1])) : undefined;
		if (one && !ticket)
			return {
				status: 404,
				body: { error: "RecordNotFound", description: "Not found" },
			};
		if (ticket && req.method === "GET" && one?.[2])
			return { status: 200, body: { comments: ticket.comments } };
		if (ticket && req.method === "PUT") {
			if (ticket.status === "closed")
				return invalid("status", "Status: closed prevents ticket update");
			const input = (req.body as { ticket?: Json }).ticket ?? {};
			if (input.comment !== undefined)
				ticket.comments.push(input.comment as Json);
			if (ticket.status === "new") ticket.status = "open";
			return { status: 200, body: { ticket: view(ticket), audit: {} } };
		}
		return {
			status: 404,
			body: { error: "InvalidEndpoint", description: "Not found" },
		};
	}, options.port);
	return { ...standIn, tickets };
}

/** Slack: one incoming webhook path; any other path is a revoked webhook (`no_service`). */
export async function startSlackStandIn(options: { port?: number } = {}) {
	const secretPath = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
	const messages: Json[] = [];
	const standIn = await startStandIn((req) => {
		if (req.method !== "POST" || req.path !== secretPath)
			return { status: 404, body: "no_service" };
		const body = req.body as Json | undefined;
		if (
			typeof body !== "object" ||
			body === null ||
			(body.text === undefined && body.blocks === undefined)
		)
			return { status: 400, body: "invalid_payload" };
		messages.push(body);
		return { status: 200, body: "ok" };
	}, options.port);
	return { ...standIn, messages, webhookUrl: `${standIn.url}${secretPath}` };
}

/** HubSpot's batch response: 200 when every input succeeded, 207 (multi-status) with the errors otherwise. */
function batchAnswer(results: unknown[], errors: unknown[]) {
	return {
		status: errors.length > 0 ? 207 : 200,
		body: {
			status: "COMPLETE",
			results,
			...(errors.length > 0 ? { errors, numErrors: errors.length } : {}),
			startedAt: iso(),
			completedAt: iso(),
		},
	};
}
