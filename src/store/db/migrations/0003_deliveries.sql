-- The outbox and retry queue: one delivery per side effect, written before it happens, in the same
-- transaction as the state change that asked for it. No second queue exists beside this table.

create table plumb.deliveries (
  id uuid primary key default plumb.uuid_generate_v7(),
  destination text not null check (destination in ('hubspot', 'zendesk', 'slack', 'email')),
  action text not null,
  -- Passed to the connector so "applied, then timed out" never makes a second contact or ticket.
  idempotency_key text not null unique,
  status text not null default 'pending'
    check (status in ('pending', 'running', 'succeeded', 'retry_pending', 'dead', 'skipped')),
  -- Also the fencing token: a settle only lands if attempts still equals the attempt it claimed.
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_expires_at timestamptz,
  last_error text,
  last_http_status integer,
  external_ref text,
  customer_id uuid references plumb.customers (id),
  event_id uuid,
  -- What to do (ticket subject and tags, notification text …). CRM syncs carry nothing: they push
  -- the customer's truth as it is when they are sent.
  payload jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  succeeded_at timestamptz,
  dead_at timestamptz
);

-- At most one CRM sync waiting per customer: ten events make one update (enforced here, not by luck).
create unique index deliveries_one_waiting_crm_sync on plumb.deliveries (customer_id)
  where action = 'crm_sync' and status in ('pending', 'retry_pending');
-- Claim order: due work first.
create index deliveries_due_idx on plumb.deliveries (next_attempt_at) where status in ('pending', 'retry_pending');
-- Lease recovery: running rows whose worker went quiet.
create index deliveries_running_idx on plumb.deliveries (lease_expires_at) where status = 'running';
create index deliveries_customer_idx on plumb.deliveries (customer_id, id);
create index deliveries_event_idx on plumb.deliveries (event_id);
create index deliveries_status_idx on plumb.deliveries (status, id);
create index deliveries_destination_status_idx on plumb.deliveries (destination, status, id);

-- One row per try: what happened, how long it took, what the vendor said.
create table plumb.delivery_attempts (
  id uuid primary key default plumb.uuid_generate_v7(),
  delivery_id uuid not null references plumb.deliveries (id),
  attempt integer not null,
  started_at timestamptz not null,
  finished_at timestamptz,
  outcome text check (outcome in ('succeeded', 'retry', 'permanent', 'skipped', 'fenced')),
  http_status integer,
  latency_ms integer,
  error text,
  external_ref text,
  unique (delivery_id, attempt)
);

-- What a person should look at: dead deliveries, escalations, alert rules. Fired once per episode.
create table plumb.alerts (
  id uuid primary key default plumb.uuid_generate_v7(),
  kind text not null,
  dedupe_key text not null,
  severity text not null check (severity in ('info', 'warning', 'critical')),
  title text not null,
  body text not null default '',
  status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
  customer_id uuid references plumb.customers (id),
  delivery_id uuid references plumb.deliveries (id),
  event_id uuid,
  created_at timestamptz not null default now(),
  acknowledged_at timestamptz,
  acknowledged_by text,
  resolved_at timestamptz
);
create unique index alerts_one_active_per_key on plumb.alerts (dedupe_key) where status in ('open', 'acknowledged');
create index alerts_status_idx on plumb.alerts (status, id);

-- Manual interventions (replays, acknowledgements, forced actions): who, when, why. Counted per day.
create table plumb.interventions (
  id uuid primary key default plumb.uuid_generate_v7(),
  kind text not null,
  actor text not null,
  reason text not null,
  target jsonb not null default '{}',
  affected integer not null default 0,
  created_at timestamptz not null default now()
);
create index interventions_created_idx on plumb.interventions (created_at);

-- Delivery workers wake at once on new or requeued work (LISTEN plumb_deliveries).
create or replace function plumb.notify_deliveries() returns trigger language plpgsql as $$
begin
  perform pg_notify('plumb_deliveries', '');
  return null;
end
$$;
create trigger deliveries_notify after insert or update of status, next_attempt_at on plumb.deliveries
  for each row when (new.status in ('pending', 'retry_pending')) execute function plumb.notify_deliveries();

-- When the helpdesk confirms a ticket, Plumb's ticket learns its id (for comments and ticket_closed),
-- whichever process settled the delivery.
create or replace function plumb.record_ticket_ref() returns trigger language plpgsql as $$
begin
  update plumb.tickets set external_ref = new.external_ref, updated_at = now()
  where id = (new.payload ->> 'ticket_id')::uuid and external_ref is distinct from new.external_ref;
  return null;
end
$$;
create trigger deliveries_ticket_ref after update of status on plumb.deliveries
  for each row when (new.action = 'create_ticket' and new.status = 'succeeded' and new.external_ref is not null)
  execute function plumb.record_ticket_ref();

select plumb.lock_down();
