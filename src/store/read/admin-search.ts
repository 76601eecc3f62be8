/**
 * What an admin search box means: `q` is an e-mail, a name, an app user id or a Stripe customer id,
 * or any part of one ("Lovelace", "example.com", "cus_Q7"), a Plumb id, or a provider id (pi_…,
 * in_…, ch_…, cs_…, sub_…, evt_…, a ticket id). It is resolved to ids first, in one round trip, and
 * the lists then filter by those ids (a uuid is also compared with the lists' own id columns).
 *
 * Two steps. First the index probes: exact ids, and the start of an e-mail or a name (the prefix
 * indexes of migration 0006). Only when those name no one, and the text has 3 characters or more,
 * does a part of a field match anywhere in it: no index serves `like '%…%'` without pg_trgm, which
 * PGlite does not load, so that step scans names and identities (bench:admin measures it) and keeps
 * the newest matches. So "Ada" lists the customers whose name or e-mail starts with it, and
 * "Lovelace", "example.com" or part of a cus_ id find the customers who have it anywhere.
 */

import type { Db } from "../db/index.ts";
import { likePrefix, looksLikeUuid } from "../db/index.ts";

export interface SearchMatches {
	customerIds: string[];
	eventIds: string[];
	/** The trimmed text, for columns compared with it directly (a delivery's external reference). */
	text: string;
	/** Lower-cased when the text is an e-mail address (it has an @), for events not yet resolved. */
	email: string | undefined;
	/** The text as a lower-case uuid, when it is one: compared with id columns directly. */
	uuid: string | undefined;
}

/** At most this many customers (and events) per search: refine the search past it. */
export const SEARCH_LIMIT = 200;

// Every arm is a constant; the only inputs are $1 (the text), $2 (lower-cased LIKE prefix) and
// $3 (the text as a uuid, or null). Customer arms give survivors, never a merged-away record.
const ARMS = `
	(select 'customer' as kind, customer_id as id from plumb.customer_identities
	  where kind in ('app_user_id', 'stripe_customer_id') and value = $1)
	union all
	(select 'customer', customer_id from plumb.customer_identities
	  where kind = 'email' and value like $2 order by value limit ${SEARCH_LIMIT})
	union all
	(select 'customer', id from plumb.customers
	  where name is not null and lower(name) like $2 and merged_into is null limit ${SEARCH_LIMIT})
	union all
	(select 'customer', p.customer_id from plumb.payment_refs r join plumb.payments p on p.id = r.payment_id
	  where r.ref = $1 and p.customer_id is not null)
	union all
	(select 'customer', customer_id from plumb.subscriptions where provider_ref = $1 and customer_id is not null)
	union all
	(select 'customer', customer_id from plumb.tickets where external_ref = $1 and customer_id is not null)
	union all
	(select 'event', id from plumb.events where external_id = $1 limit ${SEARCH_LIMIT})
	union all
	(select 'event', id from plumb.events where correlation_id = $1 limit ${SEARCH_LIMIT})
	union all
	(select 'customer', customer_id from plumb.events
	  where external_id = $1 and customer_id is not null limit ${SEARCH_LIMIT})`;

/** Searches this long or longer match anywhere in a field (when nothing starts with them). */
export const SUBSTRING_MIN = 3;

// The second step: $1 is a lower-cased `%part%` pattern. E-mails are stored lower-cased; Stripe and
// app ids keep their case, so they are compared lower-cased.
const ANYWHERE = `
	(select customer_id as id from plumb.customer_identities
	  where (kind = 'email' and value like $1)
	     or (kind in ('app_user_id', 'stripe_customer_id') and lower(value) like $1)
	  order by customer_id desc limit ${SEARCH_LIMIT})
	union
	(select id from plumb.customers
	  where name is not null and lower(name) like $1 and merged_into is null
	  order by id desc limit ${SEARCH_LIMIT})`;

const UUID_ARMS = `
	union all
	(select 'customer', coalesce(merged_into, id) from plumb.customers where id = $3::uuid)
`;

/** Resolves `q` to the customers, events and deliveries it names (two round trips at most). */
export async function resolveSearch(db: Db, q: string): Promise<SearchMatches> {
	const text = q.trim();
	const uuid = looksLikeUuid(text) ? text.toLowerCase() : null;
	const prefix = likePrefix(text.toLowerCase());
	const rows = await db.query<{ kind: string; id: string }>(
		uuid === null
			? `select kind, id from (${ARMS}) as found`
			: `select kind, id from (${ARMS}${UUID_ARMS}) as found`,
		uuid === null ? [text, prefix] : [text, prefix, uuid],
	);
	if (rows.length === 0 && text.length >= SUBSTRING_MIN)
		for (const row of await db.query<{ id: string }>(
			`select id from (${ANYWHERE}) as found order by id desc limit ${SEARCH_LIMIT}`,
			[`%${prefix}`],
		))
			rows.push({ kind: "customer", id: row.id });
	const ids = (kind: string) => [
		...new Set(rows.filter((row) => row.kind === kind).map((row) => row.id)),
	];
	return {
		customerIds: ids("customer").slice(0, SEARCH_LIMIT),
		eventIds: ids("event").slice(0, SEARCH_LIMIT),
		text,
		email: text.includes("@") ? text.toLowerCase() : undefined,
		uuid: uuid ?? undefined,
	};
}
