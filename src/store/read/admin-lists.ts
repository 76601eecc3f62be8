/**
 * The admin lists (customers, events, deliveries): newest first, keyset-paged on the UUIDv7 primary
 * key, each filter one fixed fragment with a bound value (see db/where.ts).
 */
import type {
	DeliveryStatus,
	Destination,
	EventSource,
	EventStatus,
	EventType,
	Tier,
} from "../../core/index.ts";
import type { Db } from "../db/index.ts";
import { addKeyset, type KeysetFilter, Where } from "../db/index.ts";
import type { DeliveryListItem } from "../deliveries/index.ts";
import type { EventRow } from "../events/index.ts";
import { resolveSearch, type SearchMatches } from "./admin-search.ts";

export interface CustomerListItem {
	id: string;
	email: string | null;
	name: string | null;
	app_user_id: string | null;
	plan: string | null;
	plan_status: string | null;
	tier: Tier;
	lifecycle_stage: string | null;
	last_payment_status: string | null;
	last_payment_at: Date | null;
	created_at: Date;
	updated_at: Date;
}

export interface CustomerListFilter extends KeysetFilter {
	q?: string | undefined;
	planStatus?: string | undefined;
	tier?: Tier | undefined;
}

/** Live customers (never a merged-away record), newest first. */
export async function listCustomersAdmin(
	db: Db,
	filter: CustomerListFilter,
): Promise<CustomerListItem[]> {
	const where = new Where().raw("merged_into is null");
	if (filter.q !== undefined) {
		const found = await resolveSearch(db, filter.q);
		if (found.customerIds.length === 0) return [];
		where.add("id = any($?::uuid[])", found.customerIds);
	}
	if (filter.planStatus !== undefined)
		where.add("plan_status = $?", filter.planStatus);
	if (filter.tier !== undefined) where.add("tier = $?", filter.tier);
	addKeyset(where, "id", filter);
	return db.query<CustomerListItem>(
		`select id, email, name, app_user_id, plan, plan_status, tier, lifecycle_stage, last_payment_status,
		        last_payment_at, created_at, updated_at
		 from plumb.customers ${where} order by id desc limit ${where.bind(filter.limit)}`,
		where.values,
	);
}

export interface EventListFilter extends KeysetFilter {
	q?: string | undefined;
	type?: EventType | undefined;
	source?: EventSource | undefined;
	status?: EventStatus | undefined;
	customerId?: string | undefined;
}

const EVENT_COLUMNS = `id, type, source, external_id, occurred_at, received_at, correlation_id, customer_id,
	status, processed_at, attempts, last_error, data`;

export async function listEventsAdmin(
	db: Db,
	filter: EventListFilter,
): Promise<EventRow[]> {
	const where = new Where();
	if (filter.q !== undefined) {
		const found = await resolveSearch(db, filter.q);
		const arms = eventArms(found);
		if (arms.length === 0) return [];
		where.any(arms);
	}
	if (filter.type !== undefined) where.add("type = $?", filter.type);
	if (filter.source !== undefined) where.add("source = $?", filter.source);
	if (filter.status !== undefined) where.add("status = $?", filter.status);
	if (filter.customerId !== undefined)
		where.add("customer_id = $?::uuid", filter.customerId);
	addKeyset(where, "id", filter);
	return db.query<EventRow>(
		`select ${EVENT_COLUMNS} from plumb.events ${where} order by id desc limit ${where.bind(filter.limit)}`,
		where.values,
	);
}

function eventArms(found: SearchMatches): Array<[string, unknown]> {
	const arms: Array<[string, unknown]> = [];
	if (found.uuid !== undefined) {
		arms.push(["id = $?::uuid", found.uuid]);
		arms.push(["customer_id = $?::uuid", found.uuid]);
	}
	if (found.eventIds.length > 0)
		arms.push(["id = any($?::uuid[])", found.eventIds]);
	if (found.customerIds.length > 0)
		arms.push(["customer_id = any($?::uuid[])", found.customerIds]);
	// Processed events are found through their customer; one not resolved yet (pending, or failed for
	// good) by the e-mail it names. Such rows are few and sit in the partial status index, so this arm
	// needs no index of its own on the ingest hot path.
	if (found.email !== undefined)
		arms.push([
			"(status <> 'processed' and lower(data -> 'customer' ->> 'email') = $?)",
			found.email,
		]);
	return arms;
}

export interface DeliveryListFilter extends KeysetFilter {
	q?: string | undefined;
	status?: DeliveryStatus | undefined;
	destination?: Destination | undefined;
	action?: string | undefined;
	customerId?: string | undefined;
	eventId?: string | undefined;
}

const DELIVERY_COLUMNS = `id, destination, action, status, attempts, last_error, next_attempt_at, event_id,
	customer_id, external_ref, created_at, updated_at`;

export async function listDeliveriesAdmin(
	db: Db,
	filter: DeliveryListFilter,
): Promise<DeliveryListItem[]> {
	const where = new Where();
	if (filter.q !== undefined) {
		const found = await resolveSearch(db, filter.q);
		where.any(deliveryArms(found));
	}
	if (filter.status !== undefined) where.add("status = $?", filter.status);
	if (filter.destination !== undefined)
		where.add("destination = $?", filter.destination);
	if (filter.action !== undefined) where.add("action = $?", filter.action);
	if (filter.customerId !== undefined)
		where.add("customer_id = $?::uuid", filter.customerId);
	if (filter.eventId !== undefined)
		where.add("event_id = $?::uuid", filter.eventId);
	addKeyset(where, "id", filter);
	return db.query<DeliveryListItem>(
		`select ${DELIVERY_COLUMNS} from plumb.deliveries ${where} order by id desc limit ${where.bind(filter.limit)}`,
		where.values,
	);
}

function deliveryArms(found: SearchMatches): Array<[string, unknown]> {
	const arms: Array<[string, unknown]> = [["external_ref = $?", found.text]];
	if (found.uuid !== undefined)
		for (const column of ["id", "event_id", "customer_id"])
			arms.push([`${column} = $?::uuid`, found.uuid]);
	if (found.eventIds.length > 0)
		arms.push(["event_id = any($?::uuid[])", found.eventIds]);
	if (found.customerIds.length > 0)
		arms.push(["customer_id = any($?::uuid[])", found.customerIds]);
	return arms;
}

/** What the deliveries list's customer column shows: a name, else an e-mail, by customer id. */
export async function customerLabels(
	db: Db,
	ids: readonly string[],
): Promise<Record<string, string>> {
	if (ids.length === 0) return {};
	const rows = await db.query<{ id: string; label: string | null }>(
		"select id, coalesce(name, email) as label from plumb.customers where id = any($1::uuid[])",
		[[...new Set(ids)]],
	);
	return Object.fromEntries(
		rows.flatMap((row) => (row.label === null ? [] : [[row.id, row.label]])),
	);
}
