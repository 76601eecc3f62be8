/** Deliveries: the outbox rows, inserted inside the transaction of the state change that asks for them, and listed for people. */
import {
	DESTINATIONS,
	type DeliveryStatus,
	type Destination,
} from "../../core/index.ts";
import type { Db } from "../db/index.ts";
import { toJsonb } from "../db/index.ts";
import { isUuid } from "../events/index.ts";

export interface NewDeliveryRow {
	destination: Destination;
	action: string;
	idempotencyKey: string;
	customerId: string | null;
	eventId: string | null;
	payload: unknown;
}

/**
 * Inserts one delivery unless its idempotency key exists, or (CRM syncs) the customer already has one
 * waiting: that one will push the customer's truth as it is when sent, so a second would be redundant.
 * Returns the new id, or null when nothing was inserted.
 */
export async function insertDelivery(
	tx: Db,
	row: NewDeliveryRow,
): Promise<string | null> {
	const inserted = await tx.query<{ id: string }>(
		`insert into plumb.deliveries (destination, action, idempotency_key, customer_id, event_id, payload)
		 values ($1, $2, $3, $4, $5, $6::jsonb)
		 on conflict do nothing
		 returning id`,
		[
			row.destination,
			row.action,
			row.idempotencyKey,
			row.customerId,
			row.eventId,
			toJsonb(row.payload),
		],
	);
	return inserted[0]?.id ?? null;
}

/** A delivery as the admin API and `plumb replay` show it (PRODUCT §4). */
export interface DeliveryListItem {
	id: string;
	destination: Destination;
	action: string;
	status: DeliveryStatus;
	attempts: number;
	last_error: string | null;
	next_attempt_at: Date;
	event_id: string | null;
	customer_id: string | null;
	external_ref: string | null;
	created_at: Date;
	updated_at: Date;
}

const LIST_COLUMNS = `id, destination, action, status, attempts, last_error, next_attempt_at, event_id,
	customer_id, external_ref, created_at, updated_at`;

/** One delivery as lists show it, or undefined for an unknown (or malformed) id. */
export async function getDelivery(
	db: Db,
	id: string,
): Promise<DeliveryListItem | undefined> {
	if (!isUuid(id)) return undefined;
	const [row] = await db.query<DeliveryListItem>(
		`select ${LIST_COLUMNS} from plumb.deliveries where id = $1`,
		[id],
	);
	return row;
}

/** What the queue gauges show, per destination, read when Prometheus scrapes. */
export interface QueueStatsRow {
	destination: Destination;
	due: number;
	scheduled: number;
	running: number;
	dead: number;
	oldest_due_seconds: number | null;
}

/**
 * Per destination, short index-only reads that never touch the heap (at 3 million deliveries the
 * old single scan read every waiting and dead row: 500 ms): waiting rows and the oldest due one from
 * the claim index (destination, next_attempt_at), running and dead rows from the partial
 * (destination, status, id) index. Exact counts. Destinations with nothing to show are left out.
 */
export async function queueStats(db: Db): Promise<QueueStatsRow[]> {
	const waiting =
		"d.destination = w.destination and d.status in ('pending', 'retry_pending')";
	const inStatus = (status: string) =>
		`(select count(*)::int from plumb.deliveries d
		  where d.destination = w.destination and d.status <> 'succeeded' and d.status = '${status}')`;
	return db.query<QueueStatsRow>(
		`select * from (
		   select w.destination,
		     (select count(*)::int from plumb.deliveries d where ${waiting} and d.next_attempt_at <= now()) as due,
		     (select count(*)::int from plumb.deliveries d where ${waiting} and d.next_attempt_at > now()) as scheduled,
		     ${inStatus("running")} as running,
		     ${inStatus("dead")} as dead,
		     extract(epoch from (now() - (select min(d.next_attempt_at) from plumb.deliveries d
		       where ${waiting} and d.next_attempt_at <= now())))::float8 as oldest_due_seconds
		   from unnest($1::text[]) as w(destination)
		   offset 0) q -- keeps each count computed once (a flattened subquery would recount for the filter)
		 where due + scheduled + running + dead > 0
		 order by destination`,
		[DESTINATIONS],
	);
}
