-- The delivery engine's bookkeeping: a retry budget that a replay renews, and a claim index per destination.

-- A replay gives a dead delivery a fresh budget (the retry horizon and the 3 permanent failures are
-- counted from here) while `attempts` keeps growing, because it is also the lease's fencing token.
alter table plumb.deliveries
  add column budget_started_at timestamptz not null default now(),
  add column budget_attempts integer not null default 0,
  add column permanent_failures integer not null default 0;

-- Workers claim per destination (each has its own concurrency cap, rate limit and 429 pause), due
-- work first; this replaces the destination-blind due index.
create index deliveries_destination_due_idx on plumb.deliveries (destination, next_attempt_at)
  where status in ('pending', 'retry_pending');
drop index plumb.deliveries_due_idx;

-- Every claim and settle changes `status`, so each one writes a new entry into every index over it.
-- Succeeded rows are the bulk of the table and nobody looks them up by status, so the status indexes
-- leave them out: half the index writes of the hot path, and smaller indexes for the lists that
-- matter (dead, waiting, running). A `?status=succeeded` list walks the primary key instead.
drop index plumb.deliveries_status_idx;
drop index plumb.deliveries_destination_status_idx;
create index deliveries_status_idx on plumb.deliveries (status, id) where status <> 'succeeded';
create index deliveries_destination_status_idx on plumb.deliveries (destination, status, id)
  where status <> 'succeeded';

select plumb.lock_down();
