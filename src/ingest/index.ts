export type { Authenticate, Caller, CallerAuthSettings } from "./auth.ts";
export { apiKeyId, createAuthenticator } from "./auth.ts";
export type { IntentBody, IntentBodyInput } from "./intent-schemas.ts";
export {
	INTENT_TYPES,
	intentBodySchema,
	SUPPORT_CATEGORY_HINTS,
} from "./intent-schemas.ts";
export type { IntentsApiDeps, IntentsApiSettings } from "./intents.ts";
export { INTENT_MAX_BODY_BYTES, intentsApi } from "./intents.ts";
export { isJsonContentType, jsonDepth, MAX_JSON_DEPTH } from "./json-shape.ts";
export type { PaypalWebhookDeps, PaypalWebhookSettings } from "./paypal.ts";
export { PAYPAL_MAX_BODY_BYTES, paypalWebhook } from "./paypal.ts";
export type { CertFailure, PaypalCertificatesDeps } from "./paypal-certs.ts";
export {
	allowedCertUrl,
	PAYPAL_CERT_HOSTS,
	PaypalCertificates,
} from "./paypal-certs.ts";
export type { PaypalEnvelope } from "./paypal-normalize.ts";
export {
	normalizePaypalEvent,
	PAYPAL_EVENT_TYPES,
} from "./paypal-normalize.ts";
export type {
	PaypalSignatureFailure,
	PaypalTransmission,
} from "./paypal-signature.ts";
export {
	PAYPAL_TOLERANCE_SECONDS,
	paypalSignedMessage,
	verifyPaypalDelivery,
} from "./paypal-signature.ts";
export type { RequestStatus } from "./request-status.ts";
export {
	REQUEST_STATUSES,
	requestStatus,
	statusSentence,
} from "./request-status.ts";
export type {
	RevenueCatWebhookDeps,
	RevenueCatWebhookSettings,
} from "./revenuecat.ts";
export {
	REVENUECAT_MAX_BODY_BYTES,
	revenueCatAuthorized,
	revenueCatWebhook,
} from "./revenuecat.ts";
export type { RevenueCatEvent } from "./revenuecat-normalize.ts";
export {
	normalizeRevenueCatEvent,
	REVENUECAT_EVENT_TYPES,
} from "./revenuecat-normalize.ts";
export type { StripeWebhookDeps, StripeWebhookSettings } from "./stripe.ts";
export { STRIPE_MAX_BODY_BYTES, stripeWebhook } from "./stripe.ts";
export type { AcceptedStripeEvent, StripeAcceptDeps } from "./stripe-accept.ts";
export { acceptStripeEvent } from "./stripe-accept.ts";
export type { StripeShape, StripeVersionInfo } from "./stripe-api-versions.ts";
export {
	KNOWN_STRIPE_API_VERSIONS,
	stripeVersionInfo,
	unknownStripeVersions,
} from "./stripe-api-versions.ts";
export type {
	BackfillList,
	BackfillProgress,
	BackfillResult,
	BackfillSummary,
	StripeBackfillDeps,
} from "./stripe-backfill.ts";
export { BACKFILL_LISTS, backfillStripe } from "./stripe-backfill.ts";
export type { StripeEnvelope } from "./stripe-normalize.ts";
export { normalizeStripeEvent, stripeEventType } from "./stripe-normalize.ts";
export type {
	ReconcileProgress,
	ReconcileResult,
	ReconcileSummary,
	StripeReconcileDeps,
} from "./stripe-reconcile.ts";
export { reconcileStripe } from "./stripe-reconcile.ts";
export type { SignatureFailure } from "./stripe-signature.ts";
export {
	STRIPE_TOLERANCE_SECONDS,
	verifyStripeEvent,
} from "./stripe-signature.ts";
export type {
	SupabaseWebhookDeps,
	SupabaseWebhookSettings,
} from "./supabase.ts";
export { SUPABASE_MAX_BODY_BYTES, supabaseWebhook } from "./supabase.ts";
export type {
	ZendeskSignatureFailure,
	ZendeskWebhookDeps,
	ZendeskWebhookSettings,
} from "./zendesk.ts";
export {
	verifyZendeskSignature,
	ZENDESK_MAX_BODY_BYTES,
	ZENDESK_TOLERANCE_SECONDS,
	zendeskWebhook,
} from "./zendesk.ts";
