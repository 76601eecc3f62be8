/**
 * Retention's deletes, one batch per call: each statement touches at most `limit` rows found through
 * an index, commits on its own, and so holds its row locks for milliseconds, never the table.
 */
import type { Db } from "../db/index.ts";
import { uuidAt } from "../db/index.ts";

/**
 * Each kind's batch: $1 is the cut-off, $2 the batch size. `= any(array(…))` picks the batch through
 * an index, oldest first, then changes it by primary key.
 */
const BATCHES = {
	// The raw payload of processed events; the event row, its id (dedup), data and status stay.
	// Picked through events_payload_kept_idx; ids are UUIDv7, so a time is a key bound.
	payloads: {
		sql: `update plumb.events set payload = null
		 where id = any(array(
		   select id from plumb.events
		   where status = 'processed' and payload is not null and id < $1::uuid
		   order by id limit $2))`,
		bound: (before: Date) => uuidAt(before),
	},
	attempts: {
		sql: `delete from plumb.delivery_attempts
		 where id = any(array(
		   select id from plumb.delivery_attempts where id < $1::uuid order by id limit $2))`,
		bound: (before: Date) => uuidAt(before),
	},
	// Resolved ones only: open and acknowledged alerts are never touched.
	alerts: {
		sql: `delete from plumb.alerts
		 where id = any(array(
		   select id from plumb.alerts
		   where status = 'resolved' and resolved_at < $1::timestamptz
		   order by resolved_at limit $2))`,
		bound: (before: Date) => before.toISOString(),
	},
	// Intent callers' rate buckets untouched since the cut-off: full again, so forgetting one changes nothing.
	buckets: {
		sql: `delete from plumb.caller_rates
		 where caller = any(array(
		   select caller from plumb.caller_rates where refilled_at < $1::timestamptz limit $2))`,
		bound: (before: Date) => before.toISOString(),
	},
} as const;

/** What retention removes in batches. */
export type PrunedRows = keyof typeof BATCHES;

/** Removes up to `limit` rows of `kind` recorded (or resolved) before `before`; returns how many. */
export async function pruneBatch(
	db: Db,
	kind: PrunedRows,
	before: Date,
	limit: number,
): Promise<number> {
	const batch = BATCHES[kind];
	const [row] = await db.query<{ n: number }>(
		`with gone as (${batch.sql} returning 1) select count(*)::int as n from gone`,
		[batch.bound(before), limit],
	);
	return row?.n ?? 0;
}
