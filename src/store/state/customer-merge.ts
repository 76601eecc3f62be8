/**
 * Merging two customer records that a later event proved to be one person. Every row that pointed at
 * the merged-away record moves to the survivor; the record itself stays, with `merged_into` set, so
 * history keeps its shape. The field values are merged by the caller with the rules' pure join.
 */
import type { Db } from "../db/index.ts";

export async function moveCustomerRows(
	tx: Db,
	survivor: string,
	merged: string,
): Promise<void> {
	await tx.query(
		"update plumb.customer_identities set customer_id = $1 where customer_id = $2",
		[survivor, merged],
	);
	for (const table of [
		"payments",
		"subscriptions",
		"tickets",
		"timeline",
		"events",
		"alerts",
	] as const) {
		await tx.query(
			`update plumb.${table} set customer_id = $1 where customer_id = $2`,
			[survivor, merged],
		);
	}
	// Failures are keyed by (customer, attempt): the same attempt known to both counts once.
	await tx.query(
		`insert into plumb.payment_failures (customer_id, attempt_ref, occurred_at, reason, payment_id, event_id)
		 select $1, attempt_ref, occurred_at, reason, payment_id, event_id from plumb.payment_failures where customer_id = $2
		 on conflict do nothing`,
		[survivor, merged],
	);
	await tx.query("delete from plumb.payment_failures where customer_id = $1", [
		merged,
	]);
	// One waiting CRM sync per customer (queue/crm-sync-policy.ts): if both had one, the survivor's pushes
	// the merged truth. Applied here, not through the policy: it must run before the deliveries move
	// below, inside this store step, and the store cannot import the queue.
	await tx.query(
		`update plumb.deliveries set status = 'skipped', last_error = 'superseded: customer merged into ' || $1::text,
		        updated_at = now()
		 where customer_id = $2 and action = 'crm_sync' and status in ('pending', 'retry_pending')
		   and exists (select 1 from plumb.deliveries
		               where customer_id = $1 and action = 'crm_sync' and status in ('pending', 'retry_pending'))`,
		[survivor, merged],
	);
	await tx.query(
		"update plumb.deliveries set customer_id = $1 where customer_id = $2",
		[survivor, merged],
	);
	await tx.query(
		"update plumb.customers set merged_into = $1, updated_at = now() where id = $2",
		[survivor, merged],
	);
}
