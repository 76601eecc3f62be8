-- Limits across processes: a destination's rate limit is the vendor account's (HubSpot's is per app),
-- and an intent caller's rate is the caller's, whichever `plumb serve` answers it. So the token
-- buckets live here, shared by every process. Each use locks one row for a single statement (a
-- caller) or a short claim transaction (a destination), refills it by the time passed, and spends.

-- How full a bucket of `size` tokens is at `at`, refilled at `per_second` since `since`.
create or replace function plumb.bucket_level(tokens double precision, since timestamptz,
  at timestamptz, size double precision, per_second double precision) returns double precision
  language sql immutable as $$
  select least(size, tokens + greatest(0, extract(epoch from at - since)) * per_second)
$$;

-- One row per destination. A 429 pauses the destination for every process until paused_until.
create table plumb.destination_rates (
  destination text primary key,
  tokens double precision not null,
  refilled_at timestamptz not null default clock_timestamp(),
  paused_until timestamptz
);

-- One row per POST /v1/events caller (`user:<sub>` or `key:<hash>`, as in plumb.intents). An idle
-- caller's bucket is full after a minute, so plumb prune forgets rows untouched for a day.
create table plumb.caller_rates (
  caller text primary key,
  tokens double precision not null,
  refilled_at timestamptz not null default clock_timestamp(),
  -- Whether the request that last touched the row was let through.
  allowed boolean not null
);

select plumb.lock_down();
