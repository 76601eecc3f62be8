/** The worker's side of the inbox: claim pending events, mark them processed or record why they failed. */
import type { EventData, EventSource, EventType } from "../../core/index.ts";
import type { Db } from "../db/index.ts";

export interface ClaimedEvent {
	id: string;
	type: EventType;
	source: EventSource;
	external_id: string;
	occurred_at: Date;
	correlation_id: string;
	attempts: number;
	data: EventData;
}

/** Oldest pending first; rows another worker holds are skipped, not waited for. Locks last until commit. */
export async function claimPendingEvents(
	tx: Db,
	limit: number,
): Promise<ClaimedEvent[]> {
	return tx.query<ClaimedEvent>(
		`select id, type, source, external_id, occurred_at, correlation_id, attempts, data from plumb.events
		 where status = 'pending' order by id limit $1 for update skip locked`,
		[limit],
	);
}

/** Claims these events if they are still pending and nobody holds them (the one-by-one retry of a failed batch). */
export async function claimEventsById(
	tx: Db,
	ids: readonly string[],
): Promise<ClaimedEvent[]> {
	return tx.query<ClaimedEvent>(
		`select id, type, source, external_id, occurred_at, correlation_id, attempts, data from plumb.events
		 where id = any($1::uuid[]) and status = 'pending' order by id for update skip locked`,
		[ids],
	);
}

export async function markEventsProcessed(
	tx: Db,
	rows: ReadonlyArray<{ id: string; customerId: string | null }>,
): Promise<void> {
	if (rows.length === 0) return;
	await tx.query(
		`update plumb.events e set status = 'processed', processed_at = now(), customer_id = t.customer_id,
		   attempts = e.attempts + 1, last_error = null
		 from unnest($1::uuid[], $2::uuid[]) as t(id, customer_id) where e.id = t.id`,
		[rows.map((r) => r.id), rows.map((r) => r.customerId)],
	);
}

/** A failed attempt: counted, and after `maxAttempts` the event is parked as failed for a person to look at. */
export async function recordEventFailure(
	tx: Db,
	id: string,
	message: string,
	maxAttempts: number,
): Promise<void> {
	await tx.query(
		`update plumb.events set attempts = attempts + 1, last_error = $2,
		   status = case when attempts + 1 >= $3 then 'failed' else status end
		 where id = $1`,
		[id, message.slice(0, 500), maxAttempts],
	);
}
