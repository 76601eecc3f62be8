-- A closed dispute is the last word on a payment: won (the money stays) or lost (it is gone).
alter table plumb.payments drop constraint payments_status_check;
alter table plumb.payments add constraint payments_status_check
  check (status in ('failed', 'succeeded', 'refunded', 'disputed', 'dispute_won', 'dispute_lost'));

select plumb.lock_down();
