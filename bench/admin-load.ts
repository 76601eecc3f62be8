/**
 * The admin benchmark's data set, generated inside PostgreSQL in one script (generate_series, no
 * round trips): 20,000 customers with identities, payments and subscriptions; 100,000 events over 30
 * days (BENCH_ADMIN_EVENTS) with their timeline; 3 deliveries per event (88 % succeeded, 4 % dead, 4 % skipped, the rest
 * waiting) with their attempts; an alert per dead delivery. Customer 1 is heavy: every 50th event.
 */

export const SIZES = {
	customers: 20_000,
	/** BENCH_ADMIN_EVENTS=1000000 for the million-event run (issue 18); deliveries scale with it. */
	events: Number(process.env.BENCH_ADMIN_EVENTS ?? 100_000),
	deliveriesPerEvent: 3,
	payments: 30_000,
} as const;

/** Ids are UUIDv7 of the row's own time, as Plumb makes them, so time ranges and keysets behave alike. */
export const LOAD_SQL = `
create function pg_temp.v7(t timestamptz) returns uuid language sql volatile as $$
  select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
    placing substring(int8send((extract(epoch from t) * 1000)::bigint) from 3)
    from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
$$;

create temp table c as
  select n, pg_temp.v7(t) as id, t from (
    select n, now() - interval '60 days' + (n::float8 / ${SIZES.customers}) * interval '59 days' as t
    from generate_series(1, ${SIZES.customers}) as n) s;
insert into plumb.customers (id, email, email_source, email_as_of, name, name_as_of, app_user_id, app_user_id_as_of,
  plan, plan_status, plan_as_of, tier, lifecycle_stage, last_payment_status, last_payment_at, created_at, updated_at)
select id, 'user' || n || '@example.com', 'billing', t, 'User ' || n, t, 'app-' || n, t,
  case when n % 3 = 0 then 'pro_monthly' else 'standard_monthly' end,
  case when n % 10 = 0 then 'past_due' else 'active' end, t,
  case when n % 3 = 0 then 'pro' else 'standard' end, 'customer',
  case when n % 10 = 0 then 'failed' else 'paid' end, t, t, t
from c;
insert into plumb.customer_identities (kind, value, customer_id)
  select 'email', 'user' || n || '@example.com', id from c
  union all select 'app_user_id', 'app-' || n, id from c
  union all select 'stripe_customer_id', 'cus_' || n, id from c;

create temp table p as
  select g.i as n, pg_temp.v7(c.t + interval '1 hour') as id, c.id as customer_id, c.t + interval '1 hour' as t
  from generate_series(1, ${SIZES.payments}) as g(i) join c on c.n = ((g.i - 1) % ${SIZES.customers}) + 1;
insert into plumb.payments (id, customer_id, status, amount, currency, plan, first_seen_at, status_as_of)
  select id, customer_id, case when n % 10 = 0 then 'failed' else 'succeeded' end, 2000, 'usd', 'standard_monthly', t, t from p;
insert into plumb.payment_refs (ref, payment_id)
  select 'pi_' || n, id from p union all select 'in_' || n, id from p;
insert into plumb.subscriptions (provider_ref, customer_id, status, status_as_of, plan, price_id, current_period_end)
  select 'sub_' || n, id, 'active', t, 'standard_monthly', 'price_std', now() + interval '20 days' from c where n % 4 <> 0;
insert into plumb.tickets (customer_id, issue_key, category, priority, subject, status, external_ref, opened_at)
  select id, 'support:' || id || ':bug', 'bug', 'normal', 'Export is broken (' || n || ')',
    case when n % 2 = 0 then 'open' else 'closed' end, (100000 + n)::text, t from c where n % 4 = 0;

create temp table e as
  select n, pg_temp.v7(t) as id, t, case when n % 50 = 0 then 1 else (n % ${SIZES.customers - 1}) + 2 end as cn from (
    select n, now() - interval '30 days' + (n::float8 / ${SIZES.events}) * interval '30 days' as t
    from generate_series(1, ${SIZES.events}) as n) s;
insert into plumb.events (id, type, source, external_id, occurred_at, received_at, correlation_id, customer_id, data, payload,
  status, processed_at, attempts, last_error)
select e.id, (array['payment_succeeded', 'payment_failed', 'subscription_updated', 'signup', 'support_requested', 'refund_issued'])[1 + e.n % 6],
  case when e.n % 6 in (3, 4) then 'app' else 'stripe' end, 'evt_' || e.n, e.t, e.t, 'corr-' || e.n,
  case when e.n % 200 = 0 then null else c.id end,
  jsonb_build_object('customer', jsonb_build_object('email', 'user' || c.n || '@example.com', 'stripe_customer_id', 'cus_' || c.n)),
  jsonb_build_object('id', 'evt_' || e.n, 'object', 'event', 'type', 'invoice.paid', 'data', jsonb_build_object('object',
    jsonb_build_object('id', 'in_' || e.n, 'customer', 'cus_' || c.n, 'amount_paid', 2000, 'currency', 'usd',
      'customer_email', 'user' || c.n || '@example.com', 'payment_intent', 'pi_' || e.n))),
  case when e.n % 1000 = 0 then 'failed' when e.n % 200 = 0 then 'pending' else 'processed' end,
  e.t, 1, case when e.n % 1000 = 0 then 'rule failed: bench' end
from e join c on c.n = e.cn;
insert into plumb.timeline (id, customer_id, event_id, occurred_at, kind, summary, details, created_at)
  select pg_temp.v7(e.t), c.id, e.id, e.t, 'payment_succeeded', 'Payment succeeded 20.00 USD (pi_' || e.n || ')', '{}', e.t
  from e join c on c.n = e.cn where e.n % 200 <> 0;

create temp table d as
  select e.n * 3 + k as n, k, e.n as en, e.id as event_id, c.id as customer_id, c.n as cn, e.t + (k + 1) * interval '1 second' as t,
    case when k = 0 then 'hubspot' when k = 1 and e.n % 5 = 0 then 'zendesk' when k = 2 and e.n % 2 = 0 then 'email' else 'slack' end as destination
  from e join c on c.n = e.cn cross join generate_series(0, ${SIZES.deliveriesPerEvent - 1}) as k;
insert into plumb.deliveries (id, destination, action, idempotency_key, status, attempts, next_attempt_at, last_error,
  last_http_status, external_ref, customer_id, event_id, created_at, updated_at, succeeded_at, dead_at)
select pg_temp.v7(t), destination,
  case destination when 'hubspot' then 'crm_sync' when 'zendesk' then 'create_ticket' else 'notify' end,
  'bench:' || n, status, case status when 'dead' then 3 when 'pending' then 0 else 1 end,
  case when status = 'retry_pending' then now() + (n % 600) * interval '1 second' else t end,
  case status when 'dead' then destination || ' refused the request (400): VALIDATION_ERROR: Property values were not valid'
    when 'skipped' then destination || ' is not configured' when 'retry_pending' then destination || ' answered 503' end,
  case status when 'dead' then 400 when 'retry_pending' then 503 end,
  case when status = 'succeeded' then case destination when 'hubspot' then (1000 + cn)::text when 'zendesk' then (100000 + en)::text else 'msg-' || n end end,
  customer_id, event_id, t, t, case when status = 'succeeded' then t end, case when status = 'dead' then t end
from (
  select d.*, case
    when n % 100 < 88 then 'succeeded' when n % 100 < 92 then 'dead' when n % 100 < 96 then 'skipped'
    -- One waiting CRM sync per customer at most (a unique index): CRM syncs never wait here.
    when destination = 'hubspot' then 'succeeded' when n % 100 < 98 then 'retry_pending' else 'pending' end as status
  from d) x;
insert into plumb.delivery_attempts (id, delivery_id, attempt, started_at, finished_at, outcome, http_status, latency_ms, error, external_ref)
  select pg_temp.v7(created_at + a * interval '1 second'), id, a, created_at + a * interval '1 second', created_at + a * interval '1 second',
    case status when 'succeeded' then 'succeeded' when 'dead' then 'permanent' when 'skipped' then 'skipped' else 'retry' end,
    last_http_status, 40, last_error, external_ref
  from plumb.deliveries cross join lateral generate_series(1, attempts) as a;
insert into plumb.alerts (kind, dedupe_key, severity, title, body, status, customer_id, delivery_id, event_id, created_at)
  select 'dead_delivery', 'dead:' || id, 'warning', destination || ' ' || action || ' is dead', last_error,
    case when extract(epoch from dead_at)::bigint % 2 = 0 then 'acknowledged' else 'open' end, customer_id, id, event_id, dead_at
  from plumb.deliveries where status = 'dead';
insert into plumb.interventions (kind, actor, reason, target, affected)
  select 'replay', 'bench', 'bench', '{}', 1 from generate_series(1, 3);
`;

/** Run on its own after LOAD_SQL (VACUUM cannot run inside the load's implicit transaction). */
export const VACUUM_SQL = "vacuum (analyze)";
