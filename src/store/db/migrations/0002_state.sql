-- Business state: one row per person, and the payments, subscriptions and tickets that belong to them.
-- Every field a provider owns keeps the provider time it is true as of (`*_as_of`): an older event only
-- adds history (the timeline), it never overwrites newer state. How each field merges is written once,
-- as pure functions, in src/rules/ (registers.ts explains the order-independence argument).

create table plumb.customers (
  id uuid primary key default plumb.uuid_generate_v7(),
  -- Owned by the auth profile (signup); billing or lead e-mails fill it only until one arrives.
  email text,
  email_source text check (email_source in ('auth', 'billing', 'lead')),
  email_as_of timestamptz,
  name text,
  name_as_of timestamptz,
  phone text,
  phone_as_of timestamptz,
  app_user_id text,
  app_user_id_as_of timestamptz,
  -- Owned by the billing provider, derived from the customer's subscriptions.
  plan text,
  plan_status text,
  plan_as_of timestamptz,
  tier text not null default 'free' check (tier in ('free', 'standard', 'pro')),
  -- HubSpot lifecycle stage; only ever moves forward.
  lifecycle_stage text check (lifecycle_stage in ('subscriber', 'lead', 'customer')),
  -- First touch: the earliest event (provider time) that named a source wins, whatever the arrival order.
  lead_source text,
  lead_source_as_of timestamptz,
  lead_details jsonb,
  last_payment_status text check (last_payment_status in ('paid', 'failed', 'refunded', 'disputed')),
  last_payment_at timestamptz,
  -- Set when a later event proved this record and another are one person; the survivor keeps the history.
  merged_into uuid references plumb.customers (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Every key that names a customer: e-mails (trimmed, lower-cased), app user ids, Stripe customer ids.
-- The primary key is what makes "never a second customer for the same e-mail" a database fact.
create table plumb.customer_identities (
  kind text not null check (kind in ('email', 'app_user_id', 'stripe_customer_id')),
  value text not null,
  customer_id uuid not null references plumb.customers (id),
  created_at timestamptz not null default now(),
  primary key (kind, value)
);
create index customer_identities_customer_idx on plumb.customer_identities (customer_id);

create table plumb.payments (
  id uuid primary key default plumb.uuid_generate_v7(),
  customer_id uuid references plumb.customers (id),
  -- Only moves forward: failed → succeeded → refunded → disputed (see src/rules/payments.ts).
  status text not null check (status in ('failed', 'succeeded', 'refunded', 'disputed')),
  amount bigint,
  currency text,
  amount_refunded bigint not null default 0,
  plan text,
  subscription_ref text,
  dispute_ref text,
  dispute_reason text,
  first_seen_at timestamptz not null,
  status_as_of timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index payments_customer_idx on plumb.payments (customer_id, first_seen_at);

-- Every provider id that names a payment (pi_, in_, ch_, cs_): one payment however many events describe it.
create table plumb.payment_refs (
  ref text primary key,
  payment_id uuid not null references plumb.payments (id)
);
create index payment_refs_payment_idx on plumb.payment_refs (payment_id);

-- One row per failed payment attempt, for the "2nd failure in 30 days" escalation.
create table plumb.payment_failures (
  customer_id uuid not null references plumb.customers (id),
  attempt_ref text not null,
  occurred_at timestamptz not null,
  reason text,
  payment_id uuid references plumb.payments (id),
  event_id uuid not null,
  primary key (customer_id, attempt_ref)
);
create index payment_failures_time_idx on plumb.payment_failures (customer_id, occurred_at);

create table plumb.subscriptions (
  id uuid primary key default plumb.uuid_generate_v7(),
  provider_ref text not null unique,
  customer_id uuid references plumb.customers (id),
  -- Stripe's status as the subscription events state it (authoritative); null until one arrives.
  status text,
  status_as_of timestamptz,
  cancel_at_period_end boolean,
  plan text,
  price_id text,
  plan_as_of timestamptz,
  current_period_end timestamptz,
  -- Payment signals: a paid invoice newer than a past_due status means it recovered.
  last_paid_at timestamptz,
  last_failed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index subscriptions_customer_idx on plumb.subscriptions (customer_id);

create table plumb.tickets (
  id uuid primary key default plumb.uuid_generate_v7(),
  customer_id uuid references plumb.customers (id),
  -- support:<customer>:<category> | billing:<customer>:<date> | dispute:<dispute id> (PRODUCT §5).
  issue_key text not null,
  category text not null,
  priority text not null check (priority in ('urgent', 'high', 'normal', 'low')),
  subject text not null,
  status text not null default 'open' check (status in ('open', 'closed')),
  -- The helpdesk's own ticket id, once the delivery that creates it succeeds.
  external_ref text,
  opened_at timestamptz not null,
  closed_at timestamptz,
  event_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- One open ticket per issue key: a repeat adds a comment; after it closes, a new request opens a new one.
create unique index tickets_one_open_per_issue_key on plumb.tickets (issue_key) where status = 'open';
create index tickets_customer_idx on plumb.tickets (customer_id, opened_at);
create index tickets_external_ref_idx on plumb.tickets (external_ref) where external_ref is not null;

-- The customer's history: one entry per event applied (stale ones too), merges and manual actions.
create table plumb.timeline (
  id uuid primary key default plumb.uuid_generate_v7(),
  customer_id uuid references plumb.customers (id),
  event_id uuid,
  occurred_at timestamptz not null,
  kind text not null,
  summary text not null,
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index timeline_customer_idx on plumb.timeline (customer_id, occurred_at);
create index timeline_event_idx on plumb.timeline (event_id);

-- Workers wake at once on new events (LISTEN plumb_events). Row-level, so a duplicate that inserts
-- nothing wakes nobody; Postgres folds identical notifications within one transaction into one.
create or replace function plumb.notify_new_events() returns trigger language plpgsql as $$
begin
  perform pg_notify('plumb_events', '');
  return null;
end
$$;
create trigger events_notify after insert on plumb.events
  for each row execute function plumb.notify_new_events();

select plumb.lock_down();
