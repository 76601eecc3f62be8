/**
 * Stripe's API as Plumb uses it (through the official SDK): the event list and API version Plumb
 * wants, the client with rate-limit retries and clear errors, and the webhook endpoint.
 */
export type { StripeApi, StripeApiOptions, StripeApiSettings } from "./api.ts";
export { createStripeApi } from "./api.ts";
export type { StripeApiErrorKind } from "./api-error.ts";
export { StripeApiError } from "./api-error.ts";
export type { StripePermission } from "./permissions.ts";
export { STRIPE_PERMISSIONS } from "./permissions.ts";
export type { SubscribedEventType } from "./subscribed-events.ts";
export {
	isSubscribedEventType,
	STRIPE_API_VERSION,
	SUBSCRIBED_EVENT_TYPES,
} from "./subscribed-events.ts";
export type { EndpointComparison } from "./webhook-endpoint.ts";
export {
	compareEndpoint,
	createPlumbEndpoint,
	findEndpoint,
	listWebhookEndpoints,
	plumbWebhookUrl,
} from "./webhook-endpoint.ts";
