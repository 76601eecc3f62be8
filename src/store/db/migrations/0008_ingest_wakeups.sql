-- Ingest wakes the event workers from the application (coalesced, at most one NOTIFY per few
-- milliseconds per process) instead of a NOTIFY per inserted row: Postgres lets only one transaction
-- that sent a NOTIFY commit at a time, server-wide, so a per-row trigger halved webhook throughput.
drop trigger events_notify on plumb.events;
drop function plumb.notify_new_events();

-- Every index on plumb.events is paid by every webhook. Fold the ones that overlap:
-- the unique key, led by external_id, also serves lookups by external id alone (ON CONFLICT infers
-- the index by its columns, in any order); the partial status index also serves the worker's claim
-- (status = 'pending' order by id); admin search reaches events through the customer, not by e-mail.
alter table plumb.events drop constraint events_source_external_id_key;
alter table plumb.events add constraint events_external_id_source_key unique (external_id, source);
drop index plumb.events_external_id_idx;
drop index plumb.events_pending_idx;
drop index plumb.events_customer_email_idx;

-- A ticket id that is not a uuid (a hand-edited row) must not make every settle batch fail.
create or replace function plumb.record_ticket_ref() returns trigger language plpgsql as $$
begin
  if (new.payload ->> 'ticket_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    update plumb.tickets set external_ref = new.external_ref, updated_at = now()
    where id = (new.payload ->> 'ticket_id')::uuid and external_ref is distinct from new.external_ref;
  end if;
  return null;
end
$$;

select plumb.lock_down();
