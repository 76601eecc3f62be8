/** The Zendesk connector: one ticket per issue key (create_ticket), repeats as private comments (add_comment). */
import {
	type Connector,
	type DeliveryOutcome,
	type DeliveryRequest,
	ok,
	outcome,
	type Result,
} from "../../core/index.ts";
import type { ConnectorDeps } from "../deps.ts";
import { createZendeskClient, type ZendeskClient } from "./client.ts";
import {
	addCommentBody,
	addCommentPayloadSchema,
	createTicketBody,
	createTicketPayloadSchema,
	deliveryMarker,
	FINISHED_STATUSES,
} from "./map.ts";

export interface ZendeskSettings {
	baseUrl: string;
	email: string;
	apiToken: string;
}

export function createZendeskConnector(
	settings: ZendeskSettings,
	deps: ConnectorDeps,
): Connector {
	const client = createZendeskClient({ ...settings, ...deps });
	const log = deps.logger.child({ connector: "zendesk" });

	async function createTicket(
		request: DeliveryRequest,
		signal: AbortSignal,
	): Promise<DeliveryOutcome> {
		const payload = createTicketPayloadSchema.safeParse(request.payload);
		if (!payload.success) return invalidPayload("create_ticket");
		// Look the issue key up first: an attempt that was applied but timed out left its ticket
		// behind, and this is the only way to find it (the Support API spec offers no idempotency key).
		const open = await openTicket(client, payload.data.issue_key, signal);
		if (!open.ok) return open.error;
		if (open.value !== undefined) {
			log.info(
				{ step: "deliver", action: "create_ticket", outcome: "reused" },
				"an open ticket already carries this issue key",
			);
			return outcome.ok(String(open.value));
		}
		const marker = deliveryMarker(request.idempotencyKey);
		const created = await client.createTicket(
			createTicketBody(payload.data, marker),
			signal,
		);
		if (!created.ok) return created.error;
		if (created.value === undefined) {
			// Created, but we cannot read its id: the next attempt finds it by issue key.
			return outcome.retry(
				"Zendesk created the ticket but its reply was unreadable; the next attempt looks it up",
			);
		}
		return outcome.ok(String(created.value), 201);
	}

	async function addComment(
		request: DeliveryRequest,
		signal: AbortSignal,
	): Promise<DeliveryOutcome> {
		const payload = addCommentPayloadSchema.safeParse(request.payload);
		if (!payload.success) return invalidPayload("add_comment");
		const known = payload.data.external_ref ?? request.externalRef;
		let id: number | undefined;
		if (known !== undefined) {
			if (!/^\d{1,20}$/.test(known)) {
				return outcome.permanent(
					"The recorded Zendesk ticket id is not a number",
				);
			}
			id = Number(known);
		} else {
			const open = await openTicket(client, payload.data.issue_key, signal);
			if (!open.ok) return open.error;
			id = open.value;
		}
		if (id === undefined) {
			return outcome.permanent(
				"No open Zendesk ticket carries this issue key (it was solved or closed); a new request opens a new ticket",
			);
		}
		const marker = deliveryMarker(request.idempotencyKey);
		if (request.attempt > 1) {
			// A previous attempt may have landed before it timed out: never post the comment twice.
			const bodies = await client.commentBodies(id, signal);
			if (!bodies.ok) return bodies.error;
			if (bodies.value.some((body) => body.includes(marker))) {
				return outcome.ok(String(id));
			}
		}
		const updated = await client.updateTicket(
			id,
			addCommentBody(payload.data, marker),
			signal,
		);
		if (!updated.ok) return updated.error;
		return outcome.ok(String(id));
	}

	return {
		destination: "zendesk",
		async deliver(request, signal) {
			if (request.action === "create_ticket")
				return createTicket(request, signal);
			if (request.action === "add_comment") return addComment(request, signal);
			return outcome.permanent(
				`Zendesk handles create_ticket and add_comment deliveries, not ${request.action}`,
			);
		},
	};
}

/** The newest ticket with this external id that is not solved or closed, if any. */
async function openTicket(
	client: ZendeskClient,
	issueKey: string,
	signal: AbortSignal,
): Promise<Result<number | undefined, DeliveryOutcome>> {
	const found = await client.ticketsByExternalId(issueKey, signal);
	if (!found.ok) return found;
	const open = found.value
		.filter((t) => !FINISHED_STATUSES.has(t.status ?? ""))
		.sort((a, b) => b.id - a.id);
	return ok(open[0]?.id);
}

function invalidPayload(action: string): DeliveryOutcome {
	// The payload was written by Plumb's own rules: a bad one is a bug, and retrying cannot fix it.
	return outcome.permanent(
		`The ${action} payload is not valid (a Plumb bug: please report it)`,
	);
}
