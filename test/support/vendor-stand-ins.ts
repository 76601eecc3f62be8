/**
 * Stateful loopback stand-ins for HubSpot (contacts by e-mail), Zendesk (tickets by external id)
 * and Slack (an incoming webhook), with the faults of ./loopback-vendor.ts. Shapes follow the specs
 * in ../shared/contracts; Prism checks the exact schemas in test/e2e.
 */
import { type StandInReply, startStandIn } from "./loopback-vendor.ts";

export type { Fault, StandIn, StandInRequest } from "./loopback-vendor.ts";
export { closedPort, connectorLogs, startStandIn } from "./loopback-vendor.ts";

const iso = () => new Date().toISOString();
type Json = Record<string, unknown>;

export interface HubSpotContact {
	id: string;
	properties: Record<string, string>;
}

/** HubSpot: properties v3 and contacts v3, keyed by e-mail; lifecycle stages only move forward. */
export async function startHubSpotStandIn(options: { token: string }) {
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
	const state = { hideProperties: false, nextId: 1001 };
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

	const standIn = await startStandIn((req) => {
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
			req.path === "/crm/v3/objects/contacts/batch/upsert"
		) {
			const inputs = (
				req.body as {
					inputs: Array<{
						id: string;
						idProperty: string;
						properties: Record<string, string>;
					}>;
				}
			).inputs;
			const results = [];
			for (const input of inputs) {
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
					properties: contact.properties,
					createdAt: iso(),
					updatedAt: iso(),
					archived: false,
				});
			}
			return {
				status: 200,
				body: {
					status: "COMPLETE",
					results,
					startedAt: iso(),
					completedAt: iso(),
				},
			};
		}
		return error(404, "OBJECT_NOT_FOUND", `No route ${req.method} ${req.path}`);
	});
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
	});
	return { ...standIn, tickets };
}

/** Slack: one incoming webhook path; any other path is a revoked webhook (`no_service`). */
export async function startSlackStandIn() {
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
	});
	return { ...standIn, messages, webhookUrl: `${standIn.url}${secretPath}` };
}
