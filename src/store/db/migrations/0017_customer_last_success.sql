-- The customer page's "last success per destination" (store/read/admin-customer.ts): with only
-- (customer_id, id) it walks back through a busy customer's deliveries until each destination's newest
-- succeeded one turns up (55 ms for a customer with 60,000 deliveries). Only succeeded rows are in
-- this index, and a delivery enters it once, when it succeeds, so the hot path pays one index write.
create index deliveries_customer_success_idx on plumb.deliveries (customer_id, destination, id)
  where status = 'succeeded';
