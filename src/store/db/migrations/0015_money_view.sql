-- The dashboard's money view reads the last 30 days by time: payments by when they were first seen and
-- by their latest change (refunds, disputes), failed attempts by when they happened, and cancellations.
create index payments_first_seen_idx on plumb.payments (first_seen_at);
create index payments_status_as_of_idx on plumb.payments (status_as_of);
create index payment_failures_occurred_idx on plumb.payment_failures (occurred_at);
create index subscriptions_canceled_idx on plumb.subscriptions (status_as_of) where status = 'canceled';

select plumb.lock_down();
