/**
 * Everything the customer page shows, read with one indexed query per table: the customer and its
 * identities, payments (with every provider reference), subscriptions, tickets, deliveries and their
 * attempts, alerts and timeline. Each list is capped at its newest rows.
 */
import {
	BILLING_SOURCES,
	DESTINATIONS,
	type DeliveryStatus,
	type Destination,
	type Tier,
} from "../../core/index.ts";
import type { AlertListItem } from "../alerts/index.ts";
import type { Db } from "../db/index.ts";
import type { DeliveryListItem } from "../deliveries/index.ts";

export const DETAIL_LIMITS = {
	payments: 50,
	tickets: 50,
	deliveries: 150,
	unsettled: 100,
	attempts: 400,
	alerts: 50,
	timeline: 150,
} as const;

export interface CustomerRecord {
	id: string;
	email: string | null;
	email_source: string | null;
	name: string | null;
	phone: string | null;
	app_user_id: string | null;
	plan: string | null;
	plan_status: string | null;
	plan_as_of: Date | null;
	tier: Tier;
	lifecycle_stage: string | null;
	lead_source: string | null;
	last_payment_status: string | null;
	last_payment_at: Date | null;
	billing_provider: string | null;
	merged_into: string | null;
	created_at: Date;
	updated_at: Date;
}

export interface PaymentRecord {
	id: string;
	status: string;
	amount: string | null;
	currency: string | null;
	amount_refunded: string;
	plan: string | null;
	subscription_ref: string | null;
	dispute_reason: string | null;
	first_seen_at: Date;
	status_as_of: Date;
	refs: string[];
}

export interface SubscriptionRecord {
	id: string;
	provider_ref: string;
	status: string | null;
	status_as_of: Date | null;
	plan: string | null;
	cancel_at_period_end: boolean | null;
	current_period_end: Date | null;
	last_paid_at: Date | null;
	last_failed_at: Date | null;
	updated_at: Date;
}

/** One payment provider (and store and environment) this customer's billing events came from. */
export interface BillingSourceRecord {
	provider: string;
	/** RevenueCat's store (`APP_STORE`, `PLAY_STORE`, …); null for Stripe and PayPal. */
	store: string | null;
	/** `PRODUCTION` or `SANDBOX` when the provider says; sandbox purchases are tests. */
	environment: string | null;
	events: number;
	last_at: Date;
}

export interface TicketRecord {
	id: string;
	issue_key: string;
	category: string;
	priority: string;
	subject: string;
	status: string;
	external_ref: string | null;
	opened_at: Date;
	closed_at: Date | null;
}

export interface AttemptRecord {
	delivery_id: string;
	attempt: number;
	started_at: Date;
	finished_at: Date | null;
	outcome: string | null;
	http_status: number | null;
	latency_ms: number | null;
	error: string | null;
	external_ref: string | null;
}

export interface TimelineRecord {
	id: string;
	event_id: string | null;
	occurred_at: Date;
	kind: string;
	summary: string;
	details: Record<string, unknown>;
	created_at: Date;
}

/** The newest succeeded delivery of each destination (with its external reference). */
export interface LastSuccess {
	destination: Destination;
	id: string;
	action: string;
	external_ref: string | null;
	succeeded_at: Date | null;
}

export interface CustomerDetailRows {
	customer: CustomerRecord;
	/** Set when the id asked for was merged into `customer`. */
	mergedFrom: string | undefined;
	identities: Array<{ kind: string; value: string }>;
	payments: PaymentRecord[];
	subscriptions: SubscriptionRecord[];
	billingSources: BillingSourceRecord[];
	tickets: TicketRecord[];
	deliveries: Array<DeliveryListItem & { succeeded_at: Date | null }>;
	/** The newest deliveries not (yet) succeeded, however old: what the integration state is about. */
	unsettled: DeliveryListItem[];
	lastSuccess: LastSuccess[];
	attempts: AttemptRecord[];
	alerts: AlertListItem[];
	timeline: TimelineRecord[];
	/** Deliveries of this customer by status (all of them, not only the newest). */
	deliveryCounts: Array<{
		destination: Destination;
		status: DeliveryStatus;
		n: number;
	}>;
}

/** Undefined when no customer has that id. A merged-away id answers its survivor. */
export async function loadCustomerDetail(
	db: Db,
	id: string,
): Promise<CustomerDetailRows | undefined> {
	let customer: CustomerRecord | undefined;
	let current: string | null = id;
	for (let hops = 0; current !== null && hops < 10; hops++) {
		[customer] = await db.query<CustomerRecord>(
			`select id, email, email_source, name, phone, app_user_id, plan, plan_status, plan_as_of, tier,
			        lifecycle_stage, lead_source, last_payment_status, last_payment_at, billing_provider, merged_into,
			        created_at, updated_at
			 from plumb.customers where id = $1`,
			[current],
		);
		current = customer?.merged_into ?? null;
	}
	if (customer === undefined || customer.merged_into !== null) return undefined;
	const cid = customer.id;
	const [
		identities,
		payments,
		subscriptions,
		billingSources,
		tickets,
		deliveries,
		lastSuccess,
		alerts,
		timeline,
		deliveryCounts,
		unsettled,
	] = await Promise.all([
		db.query<{ kind: string; value: string }>(
			"select kind, value from plumb.customer_identities where customer_id = $1 order by kind, value",
			[cid],
		),
		db.query<PaymentRecord>(
			`select p.id, p.status, p.amount::text as amount, p.currency, p.amount_refunded::text as amount_refunded,
				        p.plan, p.subscription_ref, p.dispute_reason, p.first_seen_at, p.status_as_of,
				        array(select r.ref from plumb.payment_refs r where r.payment_id = p.id order by r.ref) as refs
				 from plumb.payments p where p.customer_id = $1 order by p.first_seen_at desc limit $2`,
			[cid, DETAIL_LIMITS.payments],
		),
		db.query<SubscriptionRecord>(
			`select id, provider_ref, status, status_as_of, plan, cancel_at_period_end, current_period_end, last_paid_at,
				        last_failed_at, updated_at
				 from plumb.subscriptions where customer_id = $1 order by updated_at desc limit 20`,
			[cid],
		),
		db.query<BillingSourceRecord>(
			// Through the timeline, which a merge moves to the survivor, so every provider of the person shows.
			`select e.source as provider, e.data->'provider'->>'store' as store,
			        e.data->'provider'->>'environment' as environment, count(*)::int as events,
			        max(e.occurred_at) as last_at
			 from plumb.timeline t join plumb.events e on e.id = t.event_id
			 where t.customer_id = $1 and e.source = any($2::text[])
			 group by 1, 2, 3 order by last_at desc limit 20`,
			[cid, [...BILLING_SOURCES]],
		),
		db.query<TicketRecord>(
			`select id, issue_key, category, priority, subject, status, external_ref, opened_at, closed_at
				 from plumb.tickets where customer_id = $1 order by opened_at desc limit $2`,
			[cid, DETAIL_LIMITS.tickets],
		),
		db.query<DeliveryListItem & { succeeded_at: Date | null }>(
			`select id, destination, action, status, attempts, last_error, next_attempt_at, event_id, customer_id,
				        external_ref, created_at, updated_at, succeeded_at
				 from plumb.deliveries where customer_id = $1 order by id desc limit $2`,
			[cid, DETAIL_LIMITS.deliveries],
		),
		db.query<LastSuccess>(
			// One short backward index walk per destination, however many deliveries the customer has.
			`select x.* from unnest($2::text[]) as wanted(destination)
				 cross join lateral (
				   select d.destination, d.id, d.action, d.external_ref, d.succeeded_at from plumb.deliveries d
				   where d.customer_id = $1 and d.destination = wanted.destination and d.status = 'succeeded'
				   order by d.id desc limit 1) as x`,
			[cid, DESTINATIONS],
		),
		db.query<AlertListItem>(
			`select id, kind, severity, title, body, status, customer_id, delivery_id, event_id, created_at,
				        acknowledged_at, acknowledged_by, resolved_at
				 from plumb.alerts where customer_id = $1 order by id desc limit $2`,
			[cid, DETAIL_LIMITS.alerts],
		),
		db.query<TimelineRecord>(
			`select id, event_id, occurred_at, kind, summary, details, created_at
				 from plumb.timeline where customer_id = $1 order by id desc limit $2`,
			[cid, DETAIL_LIMITS.timeline],
		),
		db.query<{ destination: Destination; status: DeliveryStatus; n: number }>(
			`select destination, status, count(*)::int as n from plumb.deliveries where customer_id = $1
				 group by destination, status`,
			[cid],
		),
		db.query<DeliveryListItem>(
			`select id, destination, action, status, attempts, last_error, next_attempt_at, event_id, customer_id,
			        external_ref, created_at, updated_at
			 from plumb.deliveries where customer_id = $1 and status <> 'succeeded' order by id desc limit $2`,
			[cid, DETAIL_LIMITS.unsettled],
		),
	]);
	const attempts =
		deliveries.length === 0
			? []
			: await db.query<AttemptRecord>(
					`select delivery_id, attempt, started_at, finished_at, outcome, http_status, latency_ms, error, external_ref
					 from plumb.delivery_attempts where delivery_id = any($1::uuid[])
					 order by started_at desc limit $2`,
					[deliveries.map((d) => d.id), DETAIL_LIMITS.attempts],
				);
	return {
		customer,
		mergedFrom: customer.id === id ? undefined : id,
		identities,
		payments,
		subscriptions,
		billingSources,
		tickets,
		deliveries,
		unsettled,
		lastSuccess,
		attempts,
		alerts,
		timeline,
		deliveryCounts,
	};
}
