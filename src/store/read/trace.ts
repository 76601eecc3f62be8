/**
 * `plumb trace`: everything Plumb knows about one id, e-mail or provider reference, as one list in
 * time order — the provider events, the state changes they made, the deliveries and each attempt,
 * alerts and manual interventions. Exact matches only (a trace is about one thing, not a search).
 */
import {
	NOTIFICATION_KINDS,
	REVENUECAT_REF_PREFIXES,
} from "../../core/index.ts";
import { userHash } from "../../observability/index.ts";
import type { Db } from "../db/index.ts";
import {
	alertEntries,
	attemptEntries,
	changeEntries,
	deliveryEntries,
	eventEntries,
	interventionEntries,
	loadCustomers,
	TRACE_LIMIT,
	type TraceCustomer,
	type TraceEntry,
	type TraceEntryKind,
} from "./trace-entries.ts";

/** The keyed hashes log lines carry for a customer (worker and deliveries) and its identities (ingest). */
export interface TraceLogKeys {
	customer_id: string;
	user_hash: string | undefined;
	identities: Array<{ kind: string; user_hash: string | undefined }>;
}

export interface Trace {
	query: string;
	/** What the query matched, e.g. `customer`, `event`, `correlation id`. */
	matched: string[];
	customers: TraceCustomer[];
	entries: TraceEntry[];
	/** Hashes to grep the logs for (made with this process's salt: the server's, or the database's). */
	log_keys: TraceLogKeys[];
	/** True when a list hit TRACE_LIMIT and older rows were left out. */
	truncated: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// $1 the text, $2 the text as a uuid (or null), $3 the references it may name (itself, or a RevenueCat
// transaction or subscription id with Plumb's prefix). Every arm is one index probe.
const MATCH = `
	select 'customer' as kind, coalesce(c.merged_into, c.id)::text as id, 'customer' as how
	from plumb.customer_identities i join plumb.customers c on c.id = i.customer_id
	where (i.kind = 'email' and i.value = lower(btrim($1)))
	   or (i.kind in ('app_user_id', 'stripe_customer_id') and i.value = $1)
	union all
	select 'customer', p.customer_id::text, 'payment reference' from plumb.payment_refs r
	join plumb.payments p on p.id = r.payment_id where r.ref = any($3::text[]) and p.customer_id is not null
	union all
	select 'customer', customer_id::text, 'subscription' from plumb.subscriptions
	where provider_ref = any($3::text[]) and customer_id is not null
	union all
	select 'event', id::text, 'provider event id' from plumb.events where external_id = $1
	union all
	select 'event', id::text, 'correlation id' from plumb.events where correlation_id = $1
	union all
	select 'event', id::text, 'e-mail of an unresolved event' from plumb.events
	where lower(data -> 'customer' ->> 'email') = lower(btrim($1)) and data -> 'customer' ->> 'email' is not null
	  and customer_id is null
	union all
	select 'delivery', id::text, 'vendor reference' from plumb.deliveries where external_ref = $1
	union all
	select 'customer', coalesce(merged_into, id)::text, 'customer id' from plumb.customers where id = $2::uuid
	union all
	select 'event', id::text, 'event id' from plumb.events where id = $2::uuid
	union all
	select 'delivery', id::text, 'delivery id' from plumb.deliveries where id = $2::uuid
	union all
	select 'alert', id::text, 'alert id' from plumb.alerts where id = $2::uuid`;

/** Resolves `q` and loads its story. An empty `entries` means Plumb knows nothing by that name. */
export async function loadTrace(db: Db, q: string): Promise<Trace> {
	const text = q.trim();
	const matches = await db.query<{ kind: string; id: string; how: string }>(
		`select kind, id, how from (${MATCH}) m limit ${TRACE_LIMIT}`,
		[
			text,
			UUID.test(text) ? text.toLowerCase() : null,
			[
				text,
				`${REVENUECAT_REF_PREFIXES.transaction}${text}`,
				`${REVENUECAT_REF_PREFIXES.subscription}${text}`,
			],
		],
	);
	const ids = (kind: string) =>
		new Set(matches.filter((m) => m.kind === kind).map((m) => m.id));
	const customers = ids("customer");
	const events = ids("event");
	const deliveries = ids("delivery");
	const alerts = ids("alert");
	let truncated = false;
	const cut = <T>(rows: T[]): T[] => {
		if (rows.length >= TRACE_LIMIT) truncated = true;
		return rows;
	};
	for (const row of await db.query<{
		delivery_id: string | null;
		event_id: string | null;
	}>(
		"select delivery_id::text, event_id::text from plumb.alerts where id = any($1::uuid[])",
		[[...alerts]],
	)) {
		if (row.delivery_id) deliveries.add(row.delivery_id);
		if (row.event_id) events.add(row.event_id);
	}
	// An alert's notifications, found by their idempotency keys (enqueue.ts: `<dest>:notify:<alert>:<kind>`).
	const noticeKeys = [...alerts].flatMap((id) =>
		NOTIFICATION_KINDS.flatMap((kind) => [
			`slack:notify:${id}:${kind}`,
			`email:notify:${id}:${kind}`,
		]),
	);
	for (const row of await db.query<{ id: string }>(
		"select id::text from plumb.deliveries where idempotency_key = any($1::text[])",
		[noticeKeys],
	))
		deliveries.add(row.id);
	// A delivery asked for by id brings its event along.
	for (const row of await db.query<{ event_id: string }>(
		"select event_id::text from plumb.deliveries where id = any($1::uuid[]) and event_id is not null",
		[[...deliveries]],
	))
		events.add(row.event_id);
	// A customer's story includes the records merged into it.
	const family = [
		...customers,
		...(
			await db.query<{ id: string }>(
				"select id::text from plumb.customers where merged_into = any($1::uuid[])",
				[[...customers]],
			)
		).map((row) => row.id),
	];
	if (family.length > 0) {
		for (const row of cut(
			await db.query<{ id: string }>(
				`select id::text from plumb.events where customer_id = any($1::uuid[]) order by id desc limit ${TRACE_LIMIT}`,
				[family],
			),
		))
			events.add(row.id);
	}
	const eventIds = [...events];
	for (const row of cut(
		await db.query<{ id: string }>(
			`select id::text from plumb.deliveries where event_id = any($1::uuid[]) or customer_id = any($2::uuid[])
			 order by id desc limit ${TRACE_LIMIT}`,
			[eventIds, family],
		),
	))
		deliveries.add(row.id);
	const deliveryIds = [...deliveries];
	const entries: TraceEntry[] = [
		...(await eventEntries(db, eventIds)),
		...cut(await changeEntries(db, eventIds, family)),
		...(await deliveryEntries(db, deliveryIds)),
		...cut(await attemptEntries(db, deliveryIds)),
		...(await alertEntries(db, [...alerts], eventIds, deliveryIds, family)),
		...(await interventionEntries(db, deliveryIds)),
	].sort(
		(a, b) =>
			a.at.getTime() - b.at.getTime() ||
			ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind),
	);
	const shown = new Set([
		...family,
		...(
			await db.query<{ customer_id: string }>(
				"select distinct customer_id::text from plumb.events where id = any($1::uuid[]) and customer_id is not null",
				[eventIds],
			)
		).map((row) => row.customer_id),
	]);
	const people = await loadCustomers(db, [...shown]);
	return {
		query: text,
		matched: [...new Set(matches.map((m) => m.how))],
		customers: people,
		entries,
		log_keys: people.map((customer) => ({
			customer_id: customer.id,
			user_hash: userHash(customer.id),
			identities: customer.identities.map((identity) => ({
				kind: identity.kind,
				user_hash: userHash(identity.value),
			})),
		})),
		truncated,
	};
}

/** At the same instant, causes first: an alert (or a replay) before the notifications it queued. */
const ORDER: readonly TraceEntryKind[] = [
	"event",
	"change",
	"alert",
	"intervention",
	"delivery",
	"attempt",
];
