-- The admin dashboard: server-side sessions, and the indexes its lists and searches need at 100k+
-- rows. Searches are exact or prefix matches (PGlite has no pg_trgm), so every arm is one index probe.

create table plumb.admin_sessions (
  -- SHA-256 of the cookie's secret: whoever reads this table cannot replay a session from it.
  id_hash text primary key,
  -- HMAC-SHA-256 of ADMIN_TOKEN keyed by the session's secret: changing ADMIN_TOKEN ends every
  -- session, and the table alone gives no way to test guesses of the token.
  token_check text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  -- The absolute timeout; the idle timeout is checked against last_seen_at.
  expires_at timestamptz not null
);
create index admin_sessions_expires_idx on plumb.admin_sessions (expires_at);

-- Customer search: e-mail prefixes (identities hold them trimmed and lower-cased) and name prefixes.
create index customer_identities_value_prefix_idx on plumb.customer_identities (kind, value text_pattern_ops);
create index customers_name_prefix_idx on plumb.customers (lower(name) text_pattern_ops) where name is not null;

-- Events: a provider id (evt_…) without its source, the e-mail an unprocessed event names, and the
-- source and status filters, each walked newest first.
create index events_external_id_idx on plumb.events (external_id);
create index events_customer_email_idx on plumb.events (lower(data -> 'customer' ->> 'email'), id)
  where data -> 'customer' ->> 'email' is not null;
create index events_source_idx on plumb.events (source, id);
create index events_status_idx on plumb.events (status, id) where status <> 'processed';

-- Deliveries by the vendor's reference (a HubSpot contact id, a Zendesk ticket id).
create index deliveries_external_ref_idx on plumb.deliveries (external_ref) where external_ref is not null;

-- The customer page: its timeline in the order Plumb recorded it, and its alerts.
create index timeline_customer_id_idx on plumb.timeline (customer_id, id);
create index alerts_customer_idx on plumb.alerts (customer_id, id) where customer_id is not null;

select plumb.lock_down();
