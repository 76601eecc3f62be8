-- RevenueCat and PayPal beside Stripe: which payment provider bills a customer now, as of the provider
-- time of the latest payment or subscription event (src/rules/customer.ts), sent to the CRM as
-- plumb_billing_provider. The events themselves need no change: source is free text per provider.
alter table plumb.customers add column billing_provider text
  check (billing_provider in ('stripe', 'revenuecat', 'paypal'));
alter table plumb.customers add column billing_provider_as_of timestamptz;
