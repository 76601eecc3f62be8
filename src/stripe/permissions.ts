/**
 * What each Stripe API call Plumb makes needs from a restricted key (rk_…), named as the Stripe
 * Dashboard names it (Developers › API keys › restricted key). A 403 on a call names its permission.
 */
export const STRIPE_PERMISSIONS = {
	eventsRead: "Events: Read",
	customersRead: "Customers: Read",
	subscriptionsRead: "Subscriptions: Read",
	invoicesRead: "Invoices: Read",
	webhookEndpointsRead: "Webhook Endpoints: Read",
	webhookEndpointsWrite: "Webhook Endpoints: Write",
} as const;

export type StripePermission = keyof typeof STRIPE_PERMISSIONS;
