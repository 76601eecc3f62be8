/**
 * Retention's deletes, one batch per call: each statement touches at most `limit` rows found through
 * an index, commits on its own, and so holds its row locks for milliseconds, never the table.
 */
import type { Db } from "../db/index.ts";
import { uuidAt } from "../db/index.ts";

/** Rows a batch removed. */
async function countOf(
	db: Db,
	sql: string,
	params: unknown[],
): Promise<number> {
	const [row] = await db.query<{ n: number }>(
		`with gone as (${sql} returning 1) select count(*)::int as n from gone`,
		params,
	);
	return row?.n ?? 0;
}

/**
 * Removes the raw payload of up to `limit` processed events received before `before` (oldest first).
 * The event row, its id (dedup), normalized data and status stay.
 */
export function pruneEventPayloads(
	db: Db,
	before: Date,
	limit: number,
): Promise<number> {
	// `= any(array(…))`: the batch is picked through events_payload_kept_idx, then updated by primary key.
	return countOf(
		db,
		`update plumb.events set payload = null
		 where id = any(array(
		   select id from plumb.events
		   where status = 'processed' and payload is not null and id < $1::uuid
		   order by id limit $2))`,
		[uuidAt(before), limit],
	);
}

/** Deletes up to `limit` delivery attempts recorded before `before` (their ids are UUIDv7: a key range). */
export function pruneDeliveryAttempts(
	db: Db,
	before: Date,
	limit: number,
): Promise<number> {
	return countOf(
		db,
		`delete from plumb.delivery_attempts
		 where id = any(array(
		   select id from plumb.delivery_attempts where id < $1::uuid order by id limit $2))`,
		[uuidAt(before), limit],
	);
}

/** Deletes up to `limit` alerts resolved before `before` (open and acknowledged ones are never touched). */
export function pruneResolvedAlerts(
	db: Db,
	before: Date,
	limit: number,
): Promise<number> {
	return countOf(
		db,
		`delete from plumb.alerts
		 where id = any(array(
		   select id from plumb.alerts
		   where status = 'resolved' and resolved_at < $1::timestamptz
		   order by resolved_at limit $2))`,
		[before.toISOString(), limit],
	);
}
