/** Deliveries: the outbox rows, inserted inside the transaction of the state change that asks for them, and listed for people. */
import type { DeliveryStatus, Destination } from "../../core/index.ts";
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
 * Counts only the waiting, running and dead rows (partial indexes keep this small), never the
 * succeeded history.
 */
export async function queueStats(db: Db): Promise<QueueStatsRow[]> {
	return db.query<QueueStatsRow>(
		`select destination,
		        count(*) filter (where status in ('pending', 'retry_pending') and next_attempt_at <= now())::int as due,
		        count(*) filter (where status in ('pending', 'retry_pending') and next_attempt_at > now())::int as scheduled,
		        count(*) filter (where status = 'running')::int as running,
		        count(*) filter (where status = 'dead')::int as dead,
		        extract(epoch from (now() - min(next_attempt_at) filter (
		          where status in ('pending', 'retry_pending') and next_attempt_at <= now())))::float8
		          as oldest_due_seconds
		 from plumb.deliveries
		 where status in ('pending', 'retry_pending', 'running', 'dead')
		 group by destination`,
	);
}
