-- The events inbox: every accepted input, stored exactly once per (source, external_id), forever.

-- UUIDv7 (time-ordered) ids on any Postgres ≥ 13; PostgreSQL 15 has no uuidv7() of its own.
create or replace function plumb.uuid_generate_v7() returns uuid language sql volatile as $$
  select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
    placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
    from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
$$;

-- Supabase exposes schemas through its Data API to the anon and authenticated roles. Plumb's
-- tables are for the service alone: row-level security on, no policies, nothing granted.
-- Every migration ends by calling this, so no table is ever created open.
create or replace function plumb.lock_down() returns void language plpgsql as $$
declare
  t record;
  r text;
begin
  for t in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'plumb' and c.relkind in ('r', 'p') loop
    execute format('alter table plumb.%I enable row level security', t.relname);
  end loop;
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on all tables in schema plumb from %I', r);
      execute format('revoke all on all sequences in schema plumb from %I', r);
      execute format('revoke all on all functions in schema plumb from %I', r);
      execute format('revoke all on schema plumb from %I', r);
      execute format('alter default privileges in schema plumb revoke all on tables from %I', r);
      execute format('alter default privileges in schema plumb revoke all on functions from %I', r);
    end if;
  end loop;
end
$$;

create table plumb.events (
  id uuid primary key default plumb.uuid_generate_v7(),
  type text not null,
  source text not null,
  external_id text not null,
  occurred_at timestamptz not null,
  received_at timestamptz not null default now(),
  correlation_id text not null,
  customer_id uuid,
  data jsonb not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'processed', 'failed')),
  processed_at timestamptz,
  attempts integer not null default 0,
  last_error text,
  constraint events_source_external_id_key unique (source, external_id)
);

-- The worker's claim: oldest pending first.
create index events_pending_idx on plumb.events (id) where status = 'pending';
create index events_correlation_id_idx on plumb.events (correlation_id);
create index events_customer_id_idx on plumb.events (customer_id, id) where customer_id is not null;
create index events_type_idx on plumb.events (type, id);

select plumb.lock_down();
