-- Retention (plumb prune): data that does not grow forever. Events themselves stay forever (their
-- unique key is what makes a redelivered webhook a duplicate), with their normalized data and state;
-- only the raw payload of a processed event goes once it is older than PLUMB_RETENTION_PAYLOADS.

-- A null payload is one that retention removed (the dashboard says so).
alter table plumb.events alter column payload drop not null;

-- Processed events that still carry their payload, oldest first: each prune batch is the front of
-- this index. Written once per event when it is processed (off the webhook path), and small: it only
-- holds the events of the retention window.
create index events_payload_kept_idx on plumb.events (id)
  where status = 'processed' and payload is not null;

select plumb.lock_down();
