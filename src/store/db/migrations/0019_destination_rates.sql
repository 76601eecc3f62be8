-- Limits across processes: a destination's rate limit is the vendor account's (HubSpot's is per app),
-- so the token bucket lives here, one row per destination, shared by every worker process. A claim
-- locks the row for its few milliseconds, refills it by the time passed, and spends what it claimed.
-- A 429 pauses the destination for every process until paused_until.
create table plumb.destination_rates (
  destination text primary key,
  tokens double precision not null,
  refilled_at timestamptz not null default clock_timestamp(),
  paused_until timestamptz
);

select plumb.lock_down();
