-- Observability: the install's log salt, and failed webhook requests counted per minute, so the alert
-- rules (PRODUCT §7) can be evaluated from any worker process. Rule alerts themselves are plain
-- plumb.alerts rows (one open per dedupe key = one episode); their notifications are deliveries.

-- One row: a random value made when the database is first migrated. Logs hash user ids with it
-- (HMAC), so hashes match across every process of this install and mean nothing anywhere else.
-- PLUMB_LOG_SALT overrides it. gen_random_uuid() draws from the server's strong random source.
create table plumb.install (
  id boolean primary key default true check (id),
  log_salt text not null
    default replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
  created_at timestamptz not null default now()
);
insert into plumb.install default values;

-- Webhook requests answered 4xx/5xx (bad signature, malformed, too large, a failed write …), one row
-- per minute, source and error code: a flood of unsigned requests updates a few rows instead of
-- adding millions, and nothing is written on the happy path. The rule evaluator prunes old minutes.
create table plumb.webhook_failures (
  minute timestamptz not null,
  source text not null,
  reason text not null,
  status integer not null,
  count integer not null default 0,
  primary key (minute, source, reason)
);

-- Recently resolved alerts, for their "resolved" notices.
create index alerts_resolved_at_idx on plumb.alerts (resolved_at) where status = 'resolved';

select plumb.lock_down();
