/** The events inbox: insert once per (source, external_id), read for the admin API. */
import {
	type EventData,
	type EventSource,
	type EventStatus,
	type EventType,
	type NewEvent,
	uuidv7,
} from "../../core/index.ts";
import type { Db } from "../db/index.ts";
import { toJsonb } from "../db/index.ts";

export interface InsertResult {
	id: string;
	duplicate: boolean;
}

/**
 * Stores the event unless (source, external_id) is already there. Two statements on purpose:
 * a concurrent twin that commits while our insert waits is invisible to a single statement's
 * snapshot, but the second statement (read committed) sees it.
 */
export async function insertEvent(
	db: Db,
	event: NewEvent,
): Promise<InsertResult> {
	const inserted = await db.query<{ id: string }>(
		`insert into plumb.events (id, type, source, external_id, occurred_at, correlation_id, data, payload)
		 values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)
		 on conflict (source, external_id) do nothing
		 returning id`,
		[
			// Minted here: uuid's v7 is monotonic within a process, so one server's events list in arrival order.
			uuidv7(),
			event.type,
			event.source,
			event.externalId,
			event.occurredAt,
			event.correlationId,
			toJsonb(event.data),
			toJsonb(event.payload),
		],
	);
	if (inserted[0]) return { id: inserted[0].id, duplicate: false };
	const existing = await db.query<{ id: string }>(
		"select id from plumb.events where source = $1 and external_id = $2",
		[event.source, event.externalId],
	);
	if (!existing[0]) throw new Error("event vanished between insert and select");
	return { id: existing[0].id, duplicate: true };
}

export interface EventRow {
	id: string;
	type: EventType;
	source: EventSource;
	external_id: string;
	occurred_at: Date;
	received_at: Date;
	correlation_id: string;
	customer_id: string | null;
	status: EventStatus;
	processed_at: Date | null;
	attempts: number;
	last_error: string | null;
	data: EventData;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const EVENT_COLUMNS = `id, type, source, external_id, occurred_at, received_at, correlation_id, customer_id,
	status, processed_at, attempts, last_error, data`;

export async function getEvent(
	db: Db,
	id: string,
): Promise<(EventRow & { payload: unknown }) | undefined> {
	if (!UUID.test(id)) return undefined;
	const rows = await db.query<EventRow & { payload: unknown }>(
		`select ${EVENT_COLUMNS}, payload from plumb.events where id = $1`,
		[id],
	);
	return rows[0];
}

export function isUuid(value: string): boolean {
	return UUID.test(value);
}
