/**
 * The deliveries table as a queue: claim due rows (SKIP LOCKED, lease, fencing token), settle them only
 * while the token still matches, and take back leases whose worker went quiet.
 */
import type { DeliveryAction, Destination } from "../../core/index.ts";
import type { Db } from "../db/index.ts";
import { SUPERSEDING_CRM_SYNC } from "./crm-syncs.ts";

/** A delivery a worker holds: `attempts` is the fencing token of this claim. */
export interface ClaimedDelivery {
	id: string;
	destination: Destination;
	action: DeliveryAction;
	idempotency_key: string;
	attempts: number;
	payload: unknown;
	customer_id: string | null;
	event_id: string | null;
	external_ref: string | null;
	budget_started_at: Date;
	budget_attempts: number;
	permanent_failures: number;
	/** The event's correlation id, when the delivery came from an event. */
	correlation_id: string | null;
}

/**
 * Claims up to `limit` due deliveries of each destination (destinations in the order given), at most
 * `total` in all, oldest due first (and returned in that order), skipping rows another worker holds
 * and CRM syncs whose customer has one in flight. Each becomes `running` with `attempts + 1` and a
 * lease of `leaseMs`.
 */
export async function claimDeliveries(
	db: Db,
	limits: ReadonlyArray<{ destination: Destination; limit: number }>,
	leaseMs: number,
	total: number = limits.reduce((sum, l) => sum + l.limit, 0),
): Promise<ClaimedDelivery[]> {
	if (limits.length === 0 || total <= 0) return [];
	return db.query<ClaimedDelivery>(
		`with caps as (
		   select * from unnest($1::text[], $2::int[]) with ordinality as c(destination, n, position)
		 ), picked as (
		   -- Rows are locked as they are fetched, so the outer limit leaves later destinations' rows alone.
		   select p.id from caps c cross join lateral (
		     select q.id from plumb.deliveries q
		     where q.destination = c.destination and q.status in ('pending', 'retry_pending')
		       and q.next_attempt_at <= now()
		       -- One CRM sync in flight per customer: sent side by side, the older snapshot could land last.
		       -- (The running set is small: read once per statement as a hashed list, not once per row.)
		       and (q.action <> 'crm_sync' or q.customer_id not in (
		         select r.customer_id from plumb.deliveries r
		         where r.action = 'crm_sync' and r.status = 'running' and r.customer_id is not null))
		     order by q.next_attempt_at
		     limit c.n
		     for update skip locked
		   ) p
		   order by c.position
		   limit $4
		 ), claimed as (
		   update plumb.deliveries d
		   set status = 'running', attempts = d.attempts + 1,
		       lease_expires_at = now() + $3::float8 * interval '1 millisecond', updated_at = now()
		   from picked where d.id = picked.id
		   returning d.id, d.destination, d.action, d.idempotency_key, d.attempts, d.payload, d.customer_id,
		             d.event_id, d.external_ref, d.budget_started_at, d.budget_attempts, d.permanent_failures,
		             d.next_attempt_at
		 )
		 select c.id, c.destination, c.action, c.idempotency_key, c.attempts, c.payload, c.customer_id,
		        c.event_id, c.external_ref, c.budget_started_at, c.budget_attempts, c.permanent_failures,
		        e.correlation_id
		 from claimed c left join plumb.events e on e.id = c.event_id
		 order by c.next_attempt_at, c.id`,
		[
			limits.map((l) => l.destination),
			limits.map((l) => l.limit),
			leaseMs,
			total,
		],
	);
}

/** Milliseconds until the next delivery of these destinations is due (0 if one is due now), or null. */
export async function nextDueInMs(
	db: Db,
	destinations: readonly Destination[],
): Promise<number | null> {
	if (destinations.length === 0) return null;
	const [row] = await db.query<{ ms: number | null }>(
		// greatest() skips nulls, so an empty queue (min() is null) must stay null rather than read as 0.
		`select case when min(n.next_attempt_at) is null then null
		   else greatest(0, extract(epoch from (min(n.next_attempt_at) - now())) * 1000)::float8 end as ms
		 from unnest($1::text[]) as q(destination)
		 cross join lateral (
		   select next_attempt_at from plumb.deliveries
		   where destination = q.destination and status in ('pending', 'retry_pending')
		   order by next_attempt_at limit 1
		 ) n`,
		[destinations],
	);
	return row?.ms ?? null;
}

export type SettledStatus = "succeeded" | "retry_pending" | "dead" | "skipped";
export type AttemptOutcome = "succeeded" | "retry" | "permanent" | "skipped";

/** One attempt's result, fenced by `token`. */
export interface SettleRow {
	id: string;
	token: number;
	status: SettledStatus;
	/** For `retry_pending`: when to try again, from the database's clock at settle time. */
	delayMs: number | null;
	error: string | null;
	httpStatus: number | null;
	externalRef: string | null;
	outcome: AttemptOutcome;
	/** Counts towards the 3 permanent failures that make a delivery dead. */
	permanent: boolean;
	startedAt: Date;
	latencyMs: number | null;
}

/** A delivery whose settle landed. Fenced ones (token or status moved on) are absent. */
export interface SettledDelivery {
	id: string;
	status: SettledStatus;
	destination: Destination;
	action: DeliveryAction;
	customer_id: string | null;
	event_id: string | null;
	attempts: number;
	last_error: string | null;
	/** Event received → now, for succeeded deliveries that came from an event. */
	sync_seconds: number | null;
}

/**
 * Settles a batch in one statement: only rows still `running` under the same token change, each
 * writes its attempt row, and a success after a replay resolves the delivery's dead-letter alert.
 * May throw a unique violation (a CRM sync going back to wait beside a newer one): callers re-check
 * (queue/crm-sync-policy.ts `withCrmSyncRetry`).
 */
export async function settleDeliveries(
	db: Db,
	rows: readonly SettleRow[],
): Promise<SettledDelivery[]> {
	if (rows.length === 0) return [];
	const column = <T>(pick: (row: SettleRow) => T) => rows.map(pick);
	return db.query<SettledDelivery>(
		`with input as (
		   select * from unnest($1::uuid[], $2::int[], $3::text[], $4::float8[], $5::text[], $6::int[],
		                        $7::text[], $8::text[], $9::bool[], $10::timestamptz[], $11::int[])
		     as t(id, token, status, delay_ms, error, http_status, external_ref, outcome, permanent,
		          started_at, latency_ms)
		 ), settled as (
		   update plumb.deliveries d
		   set status = i.status,
		       next_attempt_at = case when i.status = 'retry_pending'
		         then now() + i.delay_ms * interval '1 millisecond' else d.next_attempt_at end,
		       lease_expires_at = null,
		       last_error = i.error,
		       last_http_status = i.http_status,
		       external_ref = coalesce(i.external_ref, d.external_ref),
		       permanent_failures = d.permanent_failures + case when i.permanent then 1 else 0 end,
		       succeeded_at = case when i.status = 'succeeded' then now() else d.succeeded_at end,
		       dead_at = case when i.status = 'dead' then now() else d.dead_at end,
		       updated_at = now()
		   from input i
		   where d.id = i.id and d.status = 'running' and d.attempts = i.token
		   returning d.id, d.status, d.destination, d.action, d.customer_id, d.event_id, d.attempts,
		             d.last_error, d.budget_attempts
		 ), logged as (
		   insert into plumb.delivery_attempts
		     (delivery_id, attempt, started_at, finished_at, outcome, http_status, latency_ms, error, external_ref)
		   select i.id, i.token, i.started_at, now(), i.outcome, i.http_status, i.latency_ms, i.error, i.external_ref
		   from input i join settled s on s.id = i.id and s.attempts = i.token
		   on conflict (delivery_id, attempt) do nothing
		 ), resolved as (
		   update plumb.alerts a set status = 'resolved', resolved_at = now()
		   from settled s
		   where s.status = 'succeeded' and s.budget_attempts > 0
		     and a.dedupe_key = 'dead:' || s.id and a.status in ('open', 'acknowledged')
		 )
		 select s.id, s.status, s.destination, s.action, s.customer_id, s.event_id, s.attempts, s.last_error,
		        case when s.status = 'succeeded' then extract(epoch from (now() - e.received_at))::float8 end
		          as sync_seconds
		 from settled s left join plumb.events e on e.id = s.event_id`,
		[
			column((r) => r.id),
			column((r) => r.token),
			column((r) => r.status),
			column((r) => r.delayMs),
			column((r) => r.error),
			column((r) => r.httpStatus),
			column((r) => r.externalRef),
			column((r) => r.outcome),
			column((r) => r.permanent),
			column((r) => r.startedAt.toISOString()),
			column((r) => r.latencyMs),
		],
	);
}

/**
 * Takes back up to `limit` deliveries whose lease expired: each goes back to `retry_pending` (due
 * now), or `skipped` when it is a CRM sync and another for its customer is already waiting (or is
 * the newer of two taken back together), or `dead` when its retry horizon has passed. The lost attempt is recorded as `fenced`. Never touches other statuses.
 */
export async function recoverExpiredLeases(
	db: Db,
	horizonMs: number,
	limit: number,
): Promise<SettledDelivery[]> {
	return db.query<SettledDelivery>(
		`with expired as (
		   select id from plumb.deliveries
		   where status = 'running' and lease_expires_at < now()
		   order by lease_expires_at limit $2
		   for update skip locked
		 ), facts as (
		   -- A CRM sync gives way to one already waiting for its customer, else to the newest expired one.
		   select d.id, d.updated_at as claimed_at,
		          ${SUPERSEDING_CRM_SYNC} as superseded_by,
		          now() >= d.budget_started_at + $1::float8 * interval '1 millisecond' as spent
		   from plumb.deliveries d join expired x on x.id = d.id
		 ), recovered as (
		   update plumb.deliveries d
		   set status = case when f.superseded_by is not null then 'skipped'
		                     when f.spent then 'dead' else 'retry_pending' end,
		       last_error = case when f.superseded_by is not null then 'superseded by ' || f.superseded_by
		                         else 'lease expired: the worker stopped answering during attempt ' || d.attempts end,
		       next_attempt_at = now(), lease_expires_at = null, updated_at = now(),
		       dead_at = case when f.superseded_by is null and f.spent then now() else d.dead_at end
		   from facts f
		   where d.id = f.id and d.status = 'running'
		   returning d.id, d.status, d.destination, d.action, d.customer_id, d.event_id, d.attempts,
		             d.last_error, f.claimed_at
		 ), lost as (
		   insert into plumb.delivery_attempts (delivery_id, attempt, started_at, finished_at, outcome, error)
		   select id, attempts, claimed_at, now(), 'fenced', 'lease expired before the worker settled this attempt'
		   from recovered
		   on conflict (delivery_id, attempt) do nothing
		 )
		 select id, status, destination, action, customer_id, event_id, attempts, last_error,
		        null::float8 as sync_seconds
		 from recovered`,
		[horizonMs, limit],
	);
}
