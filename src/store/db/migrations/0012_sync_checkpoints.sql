-- Where each pull from Stripe's API got to (reconcile: the newest event seen), and a lease so two
-- workers do not run the same pull at once. A pull that dies keeps its old position: the next run
-- repeats the same pages, and the events table's unique (external_id, source) stores each event once.
create table plumb.sync_checkpoints (
  name text primary key,
  position jsonb not null default '{}'::jsonb,
  lease_until timestamptz,
  updated_at timestamptz not null default now()
);

select plumb.lock_down();
