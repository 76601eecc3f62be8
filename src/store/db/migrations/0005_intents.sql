-- App intents (POST /v1/events): who submitted each event and with which Idempotency-Key, so a retry
-- gets the first answer, another body under the same key is refused, and only the submitter can read
-- the request's status. Written in the same transaction as the event itself.

create table plumb.intents (
  event_id uuid primary key references plumb.events (id),
  -- `user:<JWT sub>` or `key:<SHA-256 prefix of the API key>`; the raw key is never stored.
  caller text not null,
  -- Scoped to the caller: two users may pick the same key without meeting.
  idempotency_key text,
  -- SHA-256 of the canonical JSON body: same key with another body → 422.
  request_hash text not null,
  created_at timestamptz not null default now()
);

-- The database, not luck, makes one event per (caller, key) however many retries race.
create unique index intents_caller_idempotency_key on plumb.intents (caller, idempotency_key)
  where idempotency_key is not null;

select plumb.lock_down();
