/** The rows of a trace, one query per kind, each shaped as a TraceEntry; trace.ts puts them in order. */
import type { Db } from "../db/index.ts";

export interface TraceCustomer {
	id: string;
	email: string | null;
	name: string | null;
	plan: string | null;
	plan_status: string | null;
	tier: string;
	lifecycle_stage: string | null;
	merged_into: string | null;
	identities: Array<{ kind: string; value: string }>;
}

export type TraceEntryKind =
	| "event"
	| "change"
	| "delivery"
	| "attempt"
	| "alert"
	| "intervention";

export interface TraceEntry {
	at: Date;
	kind: TraceEntryKind;
	/** The row's own id (event, timeline entry, delivery, attempt, alert, intervention). */
	id: string;
	/** What it belongs to: the event of a change or delivery, the delivery of an attempt. */
	parent: string | null;
	status: string | null;
	summary: string;
	/** The error, the vendor's reference, the alert's text… */
	detail: string | null;
	correlation_id: string | null;
}

/** Rows per kind; a customer with more shows the newest and says it was cut. */
export const TRACE_LIMIT = 1_000;

export async function loadCustomers(
	db: Db,
	ids: string[],
): Promise<TraceCustomer[]> {
	if (ids.length === 0) return [];
	return db.query<TraceCustomer>(
		`select c.id::text, c.email, c.name, c.plan, c.plan_status, c.tier, c.lifecycle_stage,
		        c.merged_into::text,
		        coalesce((select json_agg(json_build_object('kind', i.kind, 'value', i.value) order by i.kind, i.value)
		                  from plumb.customer_identities i where i.customer_id = c.id), '[]'::json) as identities
		 from plumb.customers c where c.id = any($1::uuid[]) order by c.merged_into nulls first, c.id`,
		[ids],
	);
}

export function eventEntries(db: Db, ids: string[]): Promise<TraceEntry[]> {
	return db.query<TraceEntry>(
		`select received_at as at, 'event' as kind, id::text, null as parent, status,
		        source || ' ' || coalesce(data -> 'provider' ->> 'event_type', type) ||
		          case when data -> 'provider' ->> 'event_type' is not null then ' → ' || type else '' end as summary,
		        concat_ws(' · ', external_id, data -> 'provider' ->> 'store',
		                  case when data -> 'provider' ->> 'environment' = 'SANDBOX' then 'sandbox' end, 'occurred ' || to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
		                  last_error) as detail,
		        correlation_id
		 from plumb.events where id = any($1::uuid[])`,
		[ids],
	);
}

export function changeEntries(
	db: Db,
	eventIds: string[],
	customerIds: string[],
): Promise<TraceEntry[]> {
	return db.query<TraceEntry>(
		`select t.created_at as at, 'change' as kind, t.id::text, t.event_id::text as parent, t.kind as status,
		        t.summary, null as detail, e.correlation_id
		 from plumb.timeline t left join plumb.events e on e.id = t.event_id
		 where t.event_id = any($1::uuid[]) or t.customer_id = any($2::uuid[])
		 order by t.id desc limit ${TRACE_LIMIT}`,
		[eventIds, customerIds],
	);
}

export function deliveryEntries(db: Db, ids: string[]): Promise<TraceEntry[]> {
	return db.query<TraceEntry>(
		`select d.created_at as at, 'delivery' as kind, d.id::text, d.event_id::text as parent, d.status,
		        d.destination || ' ' || d.action ||
		          case when d.payload ->> 'kind' is not null then ' (' || (d.payload ->> 'kind') || ')' else '' end
		          || ', ' || d.attempts || case when d.attempts = 1 then ' attempt' else ' attempts' end as summary,
		        concat_ws(' · ', case when d.external_ref is not null then 'ref ' || d.external_ref end,
		                  d.last_error) as detail,
		        e.correlation_id
		 from plumb.deliveries d left join plumb.events e on e.id = d.event_id
		 where d.id = any($1::uuid[])`,
		[ids],
	);
}

export function attemptEntries(
	db: Db,
	deliveryIds: string[],
): Promise<TraceEntry[]> {
	return db.query<TraceEntry>(
		`select a.started_at as at, 'attempt' as kind, a.id::text, a.delivery_id::text as parent, a.outcome as status,
		        d.destination || ' ' || d.action || ' #' || a.attempt ||
		          coalesce(' · HTTP ' || a.http_status, '') || coalesce(' · ' || a.latency_ms || ' ms', '') as summary,
		        concat_ws(' · ', case when a.external_ref is not null then 'ref ' || a.external_ref end, a.error) as detail,
		        e.correlation_id
		 from plumb.delivery_attempts a join plumb.deliveries d on d.id = a.delivery_id
		 left join plumb.events e on e.id = d.event_id
		 where a.delivery_id = any($1::uuid[])
		 order by a.id desc limit ${TRACE_LIMIT}`,
		[deliveryIds],
	);
}

export async function alertEntries(
	db: Db,
	alertIds: string[],
	eventIds: string[],
	deliveryIds: string[],
	customerIds: string[],
): Promise<TraceEntry[]> {
	const rows = await db.query<
		TraceEntry & { resolved_at: Date | null; acknowledged_at: Date | null }
	>(
		`select created_at as at, 'alert' as kind, id::text, coalesce(delivery_id, event_id)::text as parent,
		        status, severity || ' · ' || title as summary, nullif(body, '') as detail, null as correlation_id,
		        resolved_at, acknowledged_at
		 from plumb.alerts
		 where id = any($1::uuid[]) or event_id = any($2::uuid[]) or delivery_id = any($3::uuid[])
		    or customer_id = any($4::uuid[])
		 order by id desc limit ${TRACE_LIMIT}`,
		[alertIds, eventIds, deliveryIds, customerIds],
	);
	return rows.flatMap(({ resolved_at, acknowledged_at, ...alert }) => [
		{ ...alert, status: "open" },
		...(acknowledged_at
			? [
					{
						...alert,
						at: acknowledged_at,
						status: "acknowledged",
						detail: null,
					},
				]
			: []),
		...(resolved_at
			? [{ ...alert, at: resolved_at, status: "resolved", detail: null }]
			: []),
	]);
}

export function interventionEntries(
	db: Db,
	deliveryIds: string[],
): Promise<TraceEntry[]> {
	return db.query<TraceEntry>(
		`select created_at as at, 'intervention' as kind, id::text, target ->> 'delivery_id' as parent,
		        kind as status, kind || ' by ' || actor as summary, reason as detail, null as correlation_id
		 from plumb.interventions where target ->> 'delivery_id' = any($1::text[])`,
		[deliveryIds],
	);
}
