/**
 * The SQL of "at most one CRM sync waits per customer" (queue/crm-sync-policy.ts states the policy;
 * the unique index `deliveries_one_waiting_crm_sync` in 0003_deliveries.sql enforces it). Called only
 * from that module, so every caller honours the policy the same way.
 */
import type { Db } from "../db/index.ts";
import { toJsonb } from "../db/index.ts";

/** For each customer, the CRM sync waiting (pending or retry_pending) other than `exceptIds`. */
export async function waitingCrmSyncs(
	db: Db,
	customerIds: readonly string[],
	exceptIds: readonly string[],
): Promise<Map<string, string>> {
	if (customerIds.length === 0) return new Map();
	const rows = await db.query<{ customer_id: string; id: string }>(
		`select customer_id, id from plumb.deliveries
		 where action = 'crm_sync' and status in ('pending', 'retry_pending')
		   and customer_id = any($1::uuid[]) and not (id = any($2::uuid[]))`,
		[customerIds, exceptIds],
	);
	return new Map(rows.map((row) => [row.customer_id, row.id]));
}

export interface NewCrmSync {
	idempotencyKey: string;
	customerId: string;
	eventId: string;
}

/**
 * Inserts CRM syncs in one statement. ON CONFLICT DO NOTHING also covers the unique index: a
 * customer with a sync already waiting gets no second one. Returns how many were new.
 *
 * The waiting syncs are locked first, in this (the state change's) transaction. A sync reads the
 * customer when it is sent, so the one that stands for this change must not be claimed before the
 * change commits: locked, the delivery worker's SKIP LOCKED claim passes it by until then. One
 * claimed a moment earlier is no longer waiting (the lock's re-check drops it), and this change gets a
 * sync of its own. Without the lock, that sync could go out with the customer as it was, and the change
 * would never reach the CRM.
 */
export async function insertCrmSyncs(
	tx: Db,
	syncs: readonly NewCrmSync[],
): Promise<number> {
	if (syncs.length === 0) return 0;
	await tx.query(
		`select id from plumb.deliveries
		 where action = 'crm_sync' and status in ('pending', 'retry_pending')
		   and customer_id = any($1::uuid[])
		 order by customer_id
		 for update`,
		[syncs.map((sync) => sync.customerId)],
	);
	const records = syncs.map((sync) => ({
		destination: "hubspot",
		action: "crm_sync",
		idempotency_key: sync.idempotencyKey,
		customer_id: sync.customerId,
		event_id: sync.eventId,
		payload: {},
	}));
	const inserted = await tx.query<{ id: string }>(
		`insert into plumb.deliveries (destination, action, idempotency_key, customer_id, event_id, payload)
		 select * from jsonb_to_recordset($1::jsonb) as t(destination text, action text, idempotency_key text,
		   customer_id uuid, event_id uuid, payload jsonb)
		 on conflict do nothing
		 returning id`,
		[toJsonb(records)],
	);
	return inserted.length;
}

/**
 * Marks dead or skipped CRM syncs skipped because a newer sync for the same customer is waiting and
 * will push the customer's current truth. Never touches a succeeded or running delivery.
 */
export async function skipSupersededCrmSyncs(
	tx: Db,
	superseded: ReadonlyArray<{ id: string; by: string }>,
): Promise<string[]> {
	if (superseded.length === 0) return [];
	const rows = await tx.query<{ id: string }>(
		`update plumb.deliveries d
		 set status = 'skipped', last_error = 'superseded by ' || s.by, lease_expires_at = null,
		     dead_at = null, updated_at = now()
		 from unnest($1::uuid[], $2::uuid[]) as s(id, by)
		 where d.id = s.id and d.status in ('dead', 'skipped')
		 returning d.id`,
		[superseded.map((s) => s.id), superseded.map((s) => s.by)],
	);
	return rows.map((row) => row.id);
}

/**
 * The same choice as the policy's `supersededSyncs`, as an expression over a page of expired leases
 * `d` (joined to the page, so window functions see only it): the sync `d` gives way to, or null.
 * Lease recovery takes a page back in one statement, so it embeds this instead of calling the policy.
 */
export const SUPERSEDING_CRM_SYNC = `case when d.action = 'crm_sync' and d.customer_id is not null then coalesce(
            (select w.id from plumb.deliveries w
             where w.action = 'crm_sync' and w.customer_id = d.customer_id
               and w.status in ('pending', 'retry_pending') limit 1),
            nullif(first_value(d.id) over (partition by d.customer_id, d.action order by d.id desc), d.id))
          end`;
