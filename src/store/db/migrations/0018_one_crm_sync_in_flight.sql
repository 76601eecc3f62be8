-- At most one CRM sync in flight per customer (store/deliveries/delivery-queue.ts, claimDeliveries): two
-- syncs of one customer sent at once by two workers can land in either order, and the older snapshot
-- landing last leaves the CRM behind Plumb. The claim reads the customers with one running from this
-- small index, once per claim.
create index deliveries_running_crm_sync_idx on plumb.deliveries (customer_id)
  where action = 'crm_sync' and status = 'running';
