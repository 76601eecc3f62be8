/** Tickets Plumb opened: one open per issue key. */
import type { NewTicket, OpenTicket } from "../../rules/index.ts";
import type { Db } from "../db/index.ts";

interface TicketRow {
	id: string;
	issue_key: string;
	category: OpenTicket["category"];
	external_ref: string | null;
	opened_at: Date;
}

const toOpenTicket = (row: TicketRow): OpenTicket => ({
	id: row.id,
	issueKey: row.issue_key,
	category: row.category,
	externalRef: row.external_ref ?? undefined,
	openedAt: row.opened_at,
});

/** Inserts an open ticket; false when another one with the key is already open (the caller comments instead). */
export async function insertTicket(
	tx: Db,
	ticket: NewTicket & { customerId: string; eventId: string; openedAt: Date },
): Promise<boolean> {
	const rows = await tx.query<{ id: string }>(
		`insert into plumb.tickets (id, customer_id, issue_key, category, priority, subject, opened_at, event_id)
		 values ($1, $2, $3, $4, $5, $6, $7, $8)
		 on conflict do nothing returning id`,
		[
			ticket.id,
			ticket.customerId,
			ticket.issueKey,
			ticket.category,
			ticket.priority,
			ticket.subject,
			ticket.openedAt,
			ticket.eventId,
		],
	);
	return rows.length === 1;
}

export async function findOpenTicket(
	tx: Db,
	issueKey: string,
): Promise<OpenTicket | undefined> {
	const rows = await tx.query<TicketRow>(
		"select id, issue_key, category, external_ref, opened_at from plumb.tickets where status = 'open' and issue_key = $1",
		[issueKey],
	);
	return rows[0] ? toOpenTicket(rows[0]) : undefined;
}

/** Closes open tickets by helpdesk id or issue key; returns how many closed. */
export async function closeTickets(
	tx: Db,
	selectors: ReadonlyArray<{
		externalRef?: string | undefined;
		issueKey?: string | undefined;
	}>,
	closedAt: Date,
): Promise<number> {
	let closed = 0;
	for (const selector of selectors) {
		const rows = await tx.query<{ id: string }>(
			`update plumb.tickets set status = 'closed', closed_at = $3, updated_at = now()
			 where status = 'open' and (external_ref = $1 or issue_key = $2) returning id`,
			[selector.externalRef ?? null, selector.issueKey ?? null, closedAt],
		);
		closed += rows.length;
	}
	return closed;
}

/**
 * A confirmed ticket learns its helpdesk id (for comments and ticket_closed): for each of `deliveryIds`
 * that is a succeeded create_ticket with an external ref, the ticket named by its payload's
 * `ticket_id`. Call it in the transaction that settles them. A `ticket_id` that is not a uuid (a
 * hand-edited row) is passed over rather than failing the batch; an unchanged ref is not rewritten.
 */
export async function recordTicketRefs(
	tx: Db,
	deliveryIds: readonly string[],
): Promise<void> {
	if (deliveryIds.length === 0) return;
	// The CASE keeps the cast from ever seeing a non-uuid (AND gives no evaluation order).
	await tx.query(
		`update plumb.tickets t set external_ref = d.external_ref, updated_at = now()
		 from plumb.deliveries d
		 where d.id = any($1::uuid[])
		   and d.action = 'create_ticket' and d.status = 'succeeded' and d.external_ref is not null
		   and t.id = case when (d.payload ->> 'ticket_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
		                   then (d.payload ->> 'ticket_id')::uuid end
		   and t.external_ref is distinct from d.external_ref`,
		[deliveryIds],
	);
}
