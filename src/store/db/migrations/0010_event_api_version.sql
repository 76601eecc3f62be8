-- The Stripe API version each event was sent in (its envelope's `api_version`): the payload's shape
-- depends on it, and plumb doctor lists versions seen that Plumb does not know. Null for other sources.
alter table plumb.events add column api_version text;

select plumb.lock_down();
