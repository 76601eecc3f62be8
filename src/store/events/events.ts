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
 * Stores the event unless (source, external_id) is already there (see `insertEvents`).
 * Inside a transaction this is the only way in; webhooks go through `storeEvent`'s group commit.
 */
export async function insertEvent(
	db: Db,
	event: NewEvent,
): Promise<InsertResult> {
	const [result] = await insertEvents(db, [event]);
	if (!result) throw new Error("insertEvents answered nothing");
	return result;
}

const keyOf = (event: NewEvent) => `${event.source}\u0000${event.externalId}`;

/**
 * Stores each event unless its (source, external_id) is already there, in one multi-row statement;
 * the answers come back in the order of `events`. A key given twice is stored once: its first
 * occurrence is the one stored, later ones answer as duplicates of it. Two statements on purpose:
 * a concurrent twin that commits while our insert waits is invisible to a single statement's
 * snapshot, but the second statement (read committed) sees it.
 */
export async function insertEvents(
	db: Db,
	events: readonly NewEvent[],
): Promise<InsertResult[]> {
	const distinct = new Map<string, NewEvent>();
	for (const event of events)
		if (!distinct.has(keyOf(event))) distinct.set(keyOf(event), event);
	const values: unknown[] = [];
	const rows: string[] = [];
	for (const event of distinct.values()) {
		const at = values.length;
		rows.push(
			`($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6}, $${at + 7}::jsonb, $${at + 8}::jsonb, $${at + 9})`,
		);
		values.push(
			// Minted here: uuid's v7 is monotonic within a process, so one server's events list in arrival order.
			uuidv7(),
			event.type,
			event.source,
			event.externalId,
			event.occurredAt,
			event.correlationId,
			toJsonb(event.data),
			toJsonb(event.payload),
			event.apiVersion ?? null,
		);
	}
	const inserted = await db.query<KeyedId>(
		`insert into plumb.events (id, type, source, external_id, occurred_at, correlation_id, data, payload, api_version)
		 values ${rows.join(", ")}
		 on conflict (source, external_id) do nothing
		 returning id, source, external_id`,
		values,
	);
	const stored = new Map(inserted.map((row) => [keyOfRow(row), row.id]));
	const existing = new Map<string, string>();
	const missing = [...distinct.values()].filter((e) => !stored.has(keyOf(e)));
	if (missing.length > 0) {
		const pairs = missing.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`);
		const found = await db.query<KeyedId>(
			`select id, source, external_id from plumb.events
			 where (source, external_id) in (${pairs.join(", ")})`,
			missing.flatMap((event) => [event.source, event.externalId]),
		);
		for (const row of found) existing.set(keyOfRow(row), row.id);
	}
	const answered = new Set<string>();
	return events.map((event) => {
		const key = keyOf(event);
		const first = !answered.has(key);
		answered.add(key);
		const id = stored.get(key);
		if (id !== undefined) return { id, duplicate: !first };
		const original = existing.get(key);
		if (original === undefined)
			throw new Error("event vanished between insert and select");
		return { id: original, duplicate: true };
	});
}

interface KeyedId {
	id: string;
	source: string;
	external_id: string;
}

const keyOfRow = (row: KeyedId) => `${row.source}\u0000${row.external_id}`;

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
