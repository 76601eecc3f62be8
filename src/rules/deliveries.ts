/**
 * The helpdesk deliveries the rules ask for, payload included: the worker stores them as they are.
 * The payloads are what the Zendesk connector reads (`CreateTicketPayload`, `AddCommentPayload`).
 */
import type {
	AddCommentIntent,
	CreateTicketIntent,
	CrmSyncIntent,
} from "../core/index.ts";
import type { CommentRequest, OpenTicket, TicketRequest } from "./types.ts";

export const crmSync: CrmSyncIntent = {
	destination: "hubspot",
	action: "crm_sync",
};

/** A new helpdesk ticket; `ticketId` is Plumb's own id for it (plumb.tickets.id). */
export function createTicket(
	request: TicketRequest,
	ticketId: string,
): CreateTicketIntent {
	return {
		destination: "zendesk",
		action: "create_ticket",
		payload: {
			ticket_id: ticketId,
			issue_key: request.issueKey,
			category: request.category,
			priority: request.priority,
			subject: request.subject,
			message: request.message,
			tags: request.tags,
			requester: request.requester,
			context: request.context,
			attachments: request.attachments,
		},
	};
}

export function addComment(comment: CommentRequest): AddCommentIntent {
	return {
		destination: "zendesk",
		action: "add_comment",
		payload: {
			ticket_id: comment.ticketId,
			issue_key: comment.issueKey,
			external_ref: comment.externalRef,
			message: comment.message,
			attachments: comment.attachments,
		},
	};
}

/**
 * One ticket per issue key: when another worker opened a ticket with this key first (the unique index
 * tells the worker at write time), the request becomes a comment on that ticket instead.
 */
export function commentInstead(
	create: CreateTicketIntent,
	open: OpenTicket,
): AddCommentIntent {
	return addComment({
		ticketId: open.id,
		issueKey: open.issueKey,
		externalRef: open.externalRef,
		message: create.payload.message,
		attachments: create.payload.attachments,
	});
}

/**
 * The ticket as the customer who survived a later merge in the same batch: its context names the
 * record that is kept, as every other row of the merged customer does.
 */
export function forSurvivor(
	create: CreateTicketIntent,
	customerId: string,
): CreateTicketIntent {
	return {
		...create,
		payload: {
			...create.payload,
			context: { ...create.payload.context, customer_id: customerId },
		},
	};
}
