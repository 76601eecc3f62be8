/** App intents: the event, who submitted it and under which Idempotency-Key, in one transaction; and its status. */
import type {
	DeliveryStatus,
	EventStatus,
	EventType,
	NewEvent,
} from "../../core/index.ts";
import type { Db } from "../db/index.ts";
import { insertEvent, isUuid } from "./events.ts";

/** Who submitted an intent and what exactly, so a retry can be told from a different request. */
export interface IntentRecord {
	/** `user:<sub>` or `key:<hash prefix>`, never a raw API key. */
	caller: string;
	idempotencyKey: string | undefined;
	/** SHA-256 of the canonical body. */
	requestHash: string;
}

/**
 * - stored: a new event.
 * - replayed: the same caller, key and body as an earlier request: answer as the first time.
 * - conflict: the same caller and key with another body (422).
 */
export type StoreIntentResult =
	| { kind: "stored"; id: string }
	| { kind: "replayed"; id: string }
	| { kind: "conflict"; id: string };

/**
 * Inserts the event and its intent record together. The event's external id carries the caller and
 * the key, so the events table's unique (source, external_id) is what makes twenty racing retries one
 * event: the losers wait on the winner's row, then read it (see `insertEvent`).
 */
export async function storeIntent(
	db: Db,
	event: NewEvent,
	intent: IntentRecord,
): Promise<StoreIntentResult> {
	return db.transaction(async (tx) => {
		const stored = await insertEvent(tx, event);
		if (!stored.duplicate) {
			await tx.query(
				`insert into plumb.intents (event_id, caller, idempotency_key, request_hash)
				 values ($1, $2, $3, $4)`,
				[
					stored.id,
					intent.caller,
					intent.idempotencyKey ?? null,
					intent.requestHash,
				],
			);
			return { kind: "stored", id: stored.id };
		}
		const [first] = await tx.query<{ caller: string; request_hash: string }>(
			"select caller, request_hash from plumb.intents where event_id = $1",
			[stored.id],
		);
		// Both rows are written in one transaction, so one without the other is a bug, not a race.
		if (!first || first.caller !== intent.caller)
			throw new Error("app event without its intent record");
		return {
			kind: first.request_hash === intent.requestHash ? "replayed" : "conflict",
			id: stored.id,
		};
	});
}

/** What GET /v1/requests/:id derives its answer from. */
export interface IntentStatusRow {
	id: string;
	type: EventType;
	status: EventStatus;
	/** Worker attempts at the event itself; > 0 while still pending means it is being retried. */
	attempts: number;
	received_at: Date;
	/** How many of the event's deliveries are in each status. */
	deliveries: Partial<Record<DeliveryStatus, number>>;
}

/** The request's event and its deliveries, only when `caller` submitted it; anyone else gets nothing. */
export async function getIntentStatus(
	db: Db,
	eventId: string,
	caller: string,
): Promise<IntentStatusRow | undefined> {
	if (!isUuid(eventId)) return undefined;
	const rows = await db.query<IntentStatusRow>(
		`select e.id, e.type, e.status, e.attempts, e.received_at,
		        coalesce((select jsonb_object_agg(s.status, s.n)
		                  from (select d.status, count(*)::int as n from plumb.deliveries d
		                        where d.event_id = e.id
		                           -- A CRM sync is coalesced per customer: when this event was applied while
		                           -- one was already waiting, that one carries this event's truth to the CRM.
		                           or (d.action = 'crm_sync' and d.customer_id = e.customer_id
		                               and d.created_at <= e.processed_at
		                               and coalesce(d.succeeded_at, 'infinity') >= e.processed_at)
		                        group by d.status) s), '{}'::jsonb) as deliveries
		 from plumb.intents i join plumb.events e on e.id = i.event_id
		 where i.event_id = $1 and i.caller = $2`,
		[eventId, caller],
	);
	return rows[0];
}
