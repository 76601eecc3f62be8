/**
 * The events one run stored, found by the correlation id they share (a backfill stamps every event it
 * stores with its run's id, kept across resumes): how many still wait for the event worker, and the
 * customers they became.
 */
import type { Db } from "../db/index.ts";

/** Events of `correlationId` in `status`: pending ones still wait for the event worker, failed ones for a person. */
export async function countEventsOf(
	db: Db,
	correlationId: string,
	status: "pending" | "failed",
): Promise<number> {
	const [row] = await db.query<{ n: number }>(
		"select count(*)::int as n from plumb.events where correlation_id = $1 and status = $2",
		[correlationId, status],
	);
	return row?.n ?? 0;
}

/**
 * Each customer the applied events of `correlationId` name (the survivor, when a later event merged
 * records) that has an e-mail, the CRM's key, with the newest of those events.
 */
export async function customersOfEvents(
	db: Db,
	correlationId: string,
): Promise<Array<{ customerId: string; eventId: string }>> {
	return db.query<{ customerId: string; eventId: string }>(
		`select s.id as "customerId", max(e.id::text)::uuid as "eventId"
		 from plumb.events e
		 join plumb.customers c on c.id = e.customer_id
		 join plumb.customers s on s.id = coalesce(c.merged_into, c.id)
		 where e.correlation_id = $1 and e.status = 'processed' and s.email is not null
		 group by s.id
		 order by s.id`,
		[correlationId],
	);
}
