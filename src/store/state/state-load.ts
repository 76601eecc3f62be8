/**
 * Loading the business state a batch of events touches, with a fixed number of set-based queries.
 * Customers and payments are locked (FOR UPDATE) as they are read, so two workers that reach the same
 * row through different keys take turns, and each reads what the other committed.
 */
import type { OpenTicket, SubscriptionState } from "../../rules/index.ts";
import type { Db } from "../db/index.ts";
import {
	type CustomerRow,
	customerFromRow,
	type Identity,
	type StoredCustomer,
} from "./customers.ts";
import {
	type PaymentRow,
	paymentFromRow,
	type StoredPayment,
} from "./payments.ts";
import { type SubscriptionRow, subscriptionFromRow } from "./subscriptions.ts";

export interface OwnedIdentity extends Identity {
	customerId: string;
}

/** Transaction-scoped advisory locks on every key, in one total order (by hash): no deadlock cycle. */
export async function lockKeys(tx: Db, keys: readonly string[]): Promise<void> {
	if (keys.length === 0) return;
	await tx.query(
		`select pg_advisory_xact_lock(h)
		 from (select distinct hashtextextended(k, 0) as h from unnest($1::text[]) as k) as keys
		 order by h`,
		[keys],
	);
}

export async function findIdentities(
	tx: Db,
	identities: readonly Identity[],
): Promise<OwnedIdentity[]> {
	if (identities.length === 0) return [];
	const rows = await tx.query<{
		kind: Identity["kind"];
		value: string;
		customer_id: string;
	}>(
		`select kind, value, customer_id from plumb.customer_identities
		 where (kind, value) in (select * from unnest($1::text[], $2::text[]))`,
		[identities.map((i) => i.kind), identities.map((i) => i.value)],
	);
	return rows.map((row) => ({
		kind: row.kind,
		value: row.value,
		customerId: row.customer_id,
	}));
}

/** Every identity of these customers (so a merge can move them all in memory). */
export async function identitiesOf(
	tx: Db,
	customerIds: readonly string[],
): Promise<OwnedIdentity[]> {
	if (customerIds.length === 0) return [];
	const rows = await tx.query<{
		kind: Identity["kind"];
		value: string;
		customer_id: string;
	}>(
		"select kind, value, customer_id from plumb.customer_identities where customer_id = any($1::uuid[])",
		[customerIds],
	);
	return rows.map((row) => ({
		kind: row.kind,
		value: row.value,
		customerId: row.customer_id,
	}));
}

/**
 * Locks and reads customers, following merges to the survivors (also locked); `redirects` maps each
 * merged-away id met on the way to the record it merged into.
 */
export async function lockCustomers(
	tx: Db,
	ids: readonly string[],
): Promise<{ customers: StoredCustomer[]; redirects: Map<string, string> }> {
	const found = new Map<string, StoredCustomer>();
	const redirects = new Map<string, string>();
	let wanted = [...new Set(ids)];
	while (wanted.length > 0) {
		const rows = await tx.query<CustomerRow & { merged_into: string | null }>(
			"select * from plumb.customers where id = any($1::uuid[]) order by id for update",
			[wanted],
		);
		wanted = [];
		for (const row of rows) {
			if (row.merged_into === null) found.set(row.id, customerFromRow(row));
			else {
				redirects.set(row.id, row.merged_into);
				if (!found.has(row.merged_into)) wanted.push(row.merged_into);
			}
		}
	}
	return { customers: [...found.values()], redirects };
}

/** Locks and reads every payment any of these references names, with all of their references. */
export async function lockPayments(
	tx: Db,
	refs: readonly string[],
): Promise<StoredPayment[]> {
	if (refs.length === 0) return [];
	const rows = await tx.query<PaymentRow>(
		`select p.*, array(select r2.ref from plumb.payment_refs r2 where r2.payment_id = p.id order by r2.ref) as refs
		 from plumb.payments p
		 where p.id in (select payment_id from plumb.payment_refs where ref = any($1::text[]))
		 order by p.id for update of p`,
		[refs],
	);
	return rows.map(paymentFromRow);
}

export interface OwnedSubscription {
	customerId: string | null;
	state: SubscriptionState;
}

export async function loadSubscriptions(
	tx: Db,
	customerIds: readonly string[],
	refs: readonly string[],
): Promise<OwnedSubscription[]> {
	if (customerIds.length === 0 && refs.length === 0) return [];
	const rows = await tx.query<SubscriptionRow & { customer_id: string | null }>(
		"select * from plumb.subscriptions where customer_id = any($1::uuid[]) or provider_ref = any($2::text[])",
		[customerIds, refs],
	);
	return rows.map((row) => ({
		customerId: row.customer_id,
		state: subscriptionFromRow(row),
	}));
}

export interface OwnedFailure {
	customerId: string;
	attemptRef: string;
	at: Date;
}

export async function loadFailures(
	tx: Db,
	customerIds: readonly string[],
	from: Date,
	to: Date,
): Promise<OwnedFailure[]> {
	if (customerIds.length === 0) return [];
	const rows = await tx.query<{
		customer_id: string;
		attempt_ref: string;
		occurred_at: Date;
	}>(
		`select customer_id, attempt_ref, occurred_at from plumb.payment_failures
		 where customer_id = any($1::uuid[]) and occurred_at between $2 and $3`,
		[customerIds, from, to],
	);
	return rows.map((row) => ({
		customerId: row.customer_id,
		attemptRef: row.attempt_ref,
		at: row.occurred_at,
	}));
}

export interface OwnedTicket extends OpenTicket {
	customerId: string | null;
	status: "open" | "closed";
}

/** Open tickets of these customers or with these issue keys, and their billing tickets since `billingSince`. */
export async function loadTickets(
	tx: Db,
	customerIds: readonly string[],
	issueKeys: readonly string[],
	billingSince: Date,
): Promise<OwnedTicket[]> {
	if (customerIds.length === 0 && issueKeys.length === 0) return [];
	const rows = await tx.query<{
		id: string;
		customer_id: string | null;
		issue_key: string;
		category: OpenTicket["category"];
		external_ref: string | null;
		opened_at: Date;
		status: "open" | "closed";
	}>(
		`select id, customer_id, issue_key, category, external_ref, opened_at, status from plumb.tickets
		 where (status = 'open' and (customer_id = any($1::uuid[]) or issue_key = any($2::text[])))
		    or (category = 'billing_issue' and customer_id = any($1::uuid[]) and opened_at >= $3)`,
		[customerIds, issueKeys, billingSince],
	);
	return rows.map((row) => ({
		id: row.id,
		customerId: row.customer_id,
		issueKey: row.issue_key,
		category: row.category,
		externalRef: row.external_ref ?? undefined,
		openedAt: row.opened_at,
		status: row.status,
	}));
}

/** Each customer's most recent payment (for ticket context). */
export async function loadLatestPayments(
	tx: Db,
	customerIds: readonly string[],
): Promise<Array<{ customerId: string; refs: string[]; firstSeenAt: Date }>> {
	if (customerIds.length === 0) return [];
	const rows = await tx.query<{
		customer_id: string;
		refs: string[];
		first_seen_at: Date;
	}>(
		`select distinct on (p.customer_id) p.customer_id, p.first_seen_at,
		        array(select r.ref from plumb.payment_refs r where r.payment_id = p.id order by r.ref) as refs
		 from plumb.payments p where p.customer_id = any($1::uuid[])
		 order by p.customer_id, p.first_seen_at desc`,
		[customerIds],
	);
	return rows.map((row) => ({
		customerId: row.customer_id,
		refs: row.refs,
		firstSeenAt: row.first_seen_at,
	}));
}
