/**
 * Replays: put a delivery back in the queue with a fresh retry budget. Conditional updates under row
 * locks (SKIP LOCKED for bulk pages), so two replays running at once requeue each delivery once.
 */
import type { DeliveryStatus } from "../../core/index.ts";
import type { Db } from "../db/index.ts";

export interface ReplayTarget {
	id: string;
	status: DeliveryStatus;
	action: string;
	customer_id: string | null;
}

/** Locks one delivery for a replay decision (inside the caller's transaction). */
export async function lockDeliveryForReplay(
	tx: Db,
	id: string,
): Promise<ReplayTarget | undefined> {
	const [row] = await tx.query<ReplayTarget>(
		`select id, status, action, customer_id from plumb.deliveries where id = $1 for update`,
		[id],
	);
	return row;
}

/** What a bulk replay takes: every dead delivery, or every skipped one (say, once a connector is configured). */
export type BulkReplayStatus = "dead" | "skipped";

/**
 * Locks the next page of `status` deliveries after `after` (by id), skipping rows another replay
 * holds: those are that replay's to requeue.
 */
export async function lockReplayPage(
	tx: Db,
	filter: {
		status: BulkReplayStatus;
		destination: string | null;
		after: string | null;
		limit: number;
	},
): Promise<ReplayTarget[]> {
	return tx.query<ReplayTarget>(
		`select id, status, action, customer_id from plumb.deliveries
		 where status = $4 and ($1::text is null or destination = $1)
		   and ($2::uuid is null or id > $2::uuid)
		 order by id
		 limit $3
		 for update skip locked`,
		[filter.destination, filter.after, filter.limit, filter.status],
	);
}

/** How many deliveries a bulk replay would look at (its confirmation step, its progress bar). */
export async function countReplayable(
	db: Db,
	filter: { status: BulkReplayStatus; destination: string | null },
): Promise<number> {
	const [row] = await db.query<{ n: number }>(
		`select count(*)::int as n from plumb.deliveries
		 where status = $2 and ($1::text is null or destination = $1)`,
		[filter.destination, filter.status],
	);
	return row?.n ?? 0;
}

/**
 * Requeues locked deliveries: due now, a fresh budget (horizon and permanent failures counted from
 * here), `attempts` untouched because it is the fencing token. Only rows still in `fromStatuses`
 * change; returns the ids that did.
 */
export async function requeueDeliveries(
	tx: Db,
	ids: readonly string[],
	fromStatuses: readonly DeliveryStatus[],
): Promise<string[]> {
	if (ids.length === 0) return [];
	const rows = await tx.query<{ id: string }>(
		`update plumb.deliveries
		 set status = 'pending', next_attempt_at = now(), lease_expires_at = null,
		     budget_started_at = now(), budget_attempts = attempts, permanent_failures = 0,
		     dead_at = null, updated_at = now()
		 where id = any($1::uuid[]) and status = any($2::text[])
		 returning id`,
		[ids, fromStatuses],
	);
	return rows.map((row) => row.id);
}
