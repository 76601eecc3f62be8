/**
 * Writing a batch's business state back with one statement per table: rows travel as one JSON array
 * and `jsonb_to_recordset` turns them into a relation, so a batch of 100 events costs a handful of
 * round trips instead of a dozen per event.
 */

import { uuidv7 } from "../../core/index.ts";
import type {
	CustomerFields,
	DerivedPlan,
	PaymentState,
	SubscriptionState,
} from "../../rules/index.ts";
import type { Db } from "../db/index.ts";
import { toJsonb } from "../db/index.ts";
import type { Identity } from "./customers.ts";

/** Bare rows for customers first seen in this batch; their fields are written by saveCustomers. */
export async function insertCustomers(
	tx: Db,
	ids: readonly string[],
): Promise<void> {
	if (ids.length === 0) return;
	await tx.query("insert into plumb.customers (id) select unnest($1::uuid[])", [
		ids,
	]);
}

export async function saveCustomers(
	tx: Db,
	rows: ReadonlyArray<{
		id: string;
		fields: CustomerFields;
		derived: DerivedPlan;
	}>,
): Promise<void> {
	if (rows.length === 0) return;
	const records = rows.map(({ id, fields, derived }) => ({
		id,
		email: fields.email?.value.address ?? null,
		email_source: fields.email?.value.source ?? null,
		email_as_of: fields.email?.at ?? null,
		name: fields.name?.value ?? null,
		name_as_of: fields.name?.at ?? null,
		phone: fields.phone?.value ?? null,
		phone_as_of: fields.phone?.at ?? null,
		app_user_id: fields.appUserId?.value ?? null,
		app_user_id_as_of: fields.appUserId?.at ?? null,
		lead_source: fields.leadSource?.value.source ?? null,
		lead_source_as_of: fields.leadSource?.at ?? null,
		lead_details: fields.leadSource?.value.details ?? null,
		lifecycle_stage: fields.lifecycle ?? null,
		last_payment_status: fields.lastPayment?.value ?? null,
		last_payment_at: fields.lastPayment?.at ?? null,
		billing_provider: fields.billingProvider?.value ?? null,
		billing_provider_as_of: fields.billingProvider?.at ?? null,
		plan: derived.plan ?? null,
		plan_status: derived.planStatus ?? null,
		plan_as_of: derived.planAsOf ?? null,
		tier: derived.tier,
	}));
	await tx.query(
		`update plumb.customers c set
		   email = t.email, email_source = t.email_source, email_as_of = t.email_as_of, name = t.name,
		   name_as_of = t.name_as_of, phone = t.phone, phone_as_of = t.phone_as_of, app_user_id = t.app_user_id,
		   app_user_id_as_of = t.app_user_id_as_of, lead_source = t.lead_source, lead_source_as_of = t.lead_source_as_of,
		   lead_details = t.lead_details, lifecycle_stage = t.lifecycle_stage, last_payment_status = t.last_payment_status,
		   last_payment_at = t.last_payment_at, plan = t.plan, plan_status = t.plan_status, plan_as_of = t.plan_as_of,
		   tier = t.tier, billing_provider = t.billing_provider, billing_provider_as_of = t.billing_provider_as_of,
		   updated_at = now()
		 from jsonb_to_recordset($1::jsonb) as t(id uuid, email text, email_source text, email_as_of timestamptz,
		   name text, name_as_of timestamptz, phone text, phone_as_of timestamptz, app_user_id text,
		   app_user_id_as_of timestamptz, lead_source text, lead_source_as_of timestamptz, lead_details jsonb,
		   lifecycle_stage text, last_payment_status text, last_payment_at timestamptz, plan text, plan_status text,
		   plan_as_of timestamptz, tier text, billing_provider text, billing_provider_as_of timestamptz)
		 where c.id = t.id`,
		[toJsonb(records)],
	);
}

/** Records who each identity belongs to (new ones, and ones a merge re-pointed). */
export async function saveIdentities(
	tx: Db,
	rows: ReadonlyArray<Identity & { customerId: string }>,
): Promise<void> {
	if (rows.length === 0) return;
	await tx.query(
		`insert into plumb.customer_identities (kind, value, customer_id)
		 select * from unnest($1::text[], $2::text[], $3::uuid[])
		 on conflict (kind, value) do update set customer_id = excluded.customer_id
		 where plumb.customer_identities.customer_id is distinct from excluded.customer_id`,
		[
			rows.map((r) => r.kind),
			rows.map((r) => r.value),
			rows.map((r) => r.customerId),
		],
	);
}

export interface PaymentWrite {
	id: string;
	customerId: string | null;
	state: PaymentState;
}

/** Upserts payments and their references; `folded` rows (found to be the same payment) move into their survivor. */
export async function savePayments(
	tx: Db,
	payments: readonly PaymentWrite[],
	folded: ReadonlyArray<{ from: string; into: string }>,
): Promise<void> {
	for (const { from, into } of folded) {
		await tx.query(
			"update plumb.payment_refs set payment_id = $2 where payment_id = $1",
			[from, into],
		);
		await tx.query(
			"update plumb.payment_failures set payment_id = $2 where payment_id = $1",
			[from, into],
		);
	}
	if (payments.length > 0) {
		const records = payments.map(({ id, customerId, state }) => ({
			id,
			customer_id: customerId,
			status: state.status,
			amount: state.amount ?? null,
			currency: state.currency ?? null,
			amount_refunded: state.amountRefunded,
			plan: state.plan ?? null,
			subscription_ref: state.subscriptionRef ?? null,
			dispute_ref: state.disputeRef ?? null,
			dispute_reason: state.disputeReason ?? null,
			first_seen_at: state.firstSeenAt,
			status_as_of: state.statusAt,
		}));
		await tx.query(
			`insert into plumb.payments (id, customer_id, status, amount, currency, amount_refunded, plan, subscription_ref,
			   dispute_ref, dispute_reason, first_seen_at, status_as_of)
			 select * from jsonb_to_recordset($1::jsonb) as t(id uuid, customer_id uuid, status text, amount bigint,
			   currency text, amount_refunded bigint, plan text, subscription_ref text, dispute_ref text,
			   dispute_reason text, first_seen_at timestamptz, status_as_of timestamptz)
			 on conflict (id) do update set customer_id = coalesce(excluded.customer_id, plumb.payments.customer_id),
			   status = excluded.status, amount = excluded.amount, currency = excluded.currency,
			   amount_refunded = excluded.amount_refunded, plan = excluded.plan, subscription_ref = excluded.subscription_ref,
			   dispute_ref = excluded.dispute_ref, dispute_reason = excluded.dispute_reason,
			   first_seen_at = excluded.first_seen_at, status_as_of = excluded.status_as_of, updated_at = now()`,
			[toJsonb(records)],
		);
		const refs = payments.flatMap((payment) =>
			payment.state.refs.map((ref) => ({ ref, id: payment.id })),
		);
		await tx.query(
			`insert into plumb.payment_refs (ref, payment_id) select * from unnest($1::text[], $2::uuid[])
			 on conflict (ref) do update set payment_id = excluded.payment_id
			 where plumb.payment_refs.payment_id is distinct from excluded.payment_id`,
			[refs.map((r) => r.ref), refs.map((r) => r.id)],
		);
	}
	if (folded.length > 0) {
		await tx.query("delete from plumb.payments where id = any($1::uuid[])", [
			folded.map((f) => f.from),
		]);
	}
}

export async function saveSubscriptions(
	tx: Db,
	rows: ReadonlyArray<{ customerId: string | null; state: SubscriptionState }>,
): Promise<void> {
	if (rows.length === 0) return;
	const records = rows.map(({ customerId, state }) => ({
		provider_ref: state.ref,
		customer_id: customerId,
		status: state.status?.value.status ?? null,
		status_as_of: state.status?.at ?? null,
		cancel_at_period_end: state.status?.value.cancelAtPeriodEnd ?? null,
		plan: state.plan?.value.plan ?? null,
		price_id: state.plan?.value.priceId ?? null,
		plan_as_of: state.plan?.at ?? null,
		current_period_end: state.currentPeriodEnd ?? null,
		last_paid_at: state.lastPaidAt ?? null,
		last_failed_at: state.lastFailedAt ?? null,
	}));
	await tx.query(
		`insert into plumb.subscriptions (provider_ref, customer_id, status, status_as_of, cancel_at_period_end, plan,
		   price_id, plan_as_of, current_period_end, last_paid_at, last_failed_at)
		 select * from jsonb_to_recordset($1::jsonb) as t(provider_ref text, customer_id uuid, status text,
		   status_as_of timestamptz, cancel_at_period_end boolean, plan text, price_id text, plan_as_of timestamptz,
		   current_period_end timestamptz, last_paid_at timestamptz, last_failed_at timestamptz)
		 on conflict (provider_ref) do update set
		   customer_id = coalesce(excluded.customer_id, plumb.subscriptions.customer_id),
		   status = excluded.status, status_as_of = excluded.status_as_of,
		   cancel_at_period_end = excluded.cancel_at_period_end, plan = excluded.plan, price_id = excluded.price_id,
		   plan_as_of = excluded.plan_as_of, current_period_end = excluded.current_period_end,
		   last_paid_at = excluded.last_paid_at, last_failed_at = excluded.last_failed_at, updated_at = now()`,
		[toJsonb(records)],
	);
}

export interface FailureWrite {
	customerId: string;
	attemptRef: string;
	at: Date;
	reason?: string | undefined;
	paymentId: string | null;
	eventId: string;
}

/** The same attempt reported again keeps its earliest time (order-independent). */
export async function saveFailures(
	tx: Db,
	rows: readonly FailureWrite[],
): Promise<void> {
	if (rows.length === 0) return;
	const records = rows.map((r) => ({
		customer_id: r.customerId,
		attempt_ref: r.attemptRef,
		occurred_at: r.at,
		reason: r.reason ?? null,
		payment_id: r.paymentId,
		event_id: r.eventId,
	}));
	await tx.query(
		`insert into plumb.payment_failures (customer_id, attempt_ref, occurred_at, reason, payment_id, event_id)
		 select * from jsonb_to_recordset($1::jsonb) as t(customer_id uuid, attempt_ref text, occurred_at timestamptz,
		   reason text, payment_id uuid, event_id uuid)
		 on conflict (customer_id, attempt_ref) do update
		   set occurred_at = least(plumb.payment_failures.occurred_at, excluded.occurred_at)`,
		[toJsonb(records)],
	);
}

export interface TimelineRow {
	customerId: string | null;
	eventId: string | null;
	occurredAt: Date;
	kind: string;
	summary: string;
	details: Record<string, unknown>;
}

export async function insertTimeline(
	tx: Db,
	rows: readonly TimelineRow[],
): Promise<void> {
	if (rows.length === 0) return;
	// Ids minted here (monotonic within the process), not by the column default: the database's
	// UUIDv7 is random within a millisecond, and rows of one statement would list out of order.
	const records = rows.map((r) => ({
		id: uuidv7(),
		customer_id: r.customerId,
		event_id: r.eventId,
		occurred_at: r.occurredAt,
		kind: r.kind,
		summary: r.summary,
		details: r.details,
	}));
	await tx.query(
		`insert into plumb.timeline (id, customer_id, event_id, occurred_at, kind, summary, details)
		 select * from jsonb_to_recordset($1::jsonb) as t(id uuid, customer_id uuid, event_id uuid, occurred_at timestamptz,
		   kind text, summary text, details jsonb)`,
		[toJsonb(records)],
	);
}
