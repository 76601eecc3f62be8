/**
 * RevenueCat webhook events as `plumb simulate` sends them. RevenueCat's contracts do not ship with
 * Plumb, so these are built in code, with only fields RevenueCat's own sample events carry
 * (contracts/revenuecat/sample-events; revenuecat-events.test.ts holds them to those samples).
 */

/** The app's signed-in user, as an Expo app logs them in to RevenueCat (Purchases.logIn). */
export interface SimSubscriber {
	appUserId: string;
	/** The install's id before logIn: RevenueCat keeps it as an alias. */
	anonymousId: string;
	email: string;
}

/** One store purchase: a subscription is one original transaction across its renewals. */
export interface SimStorePurchase {
	transactionId: string;
	originalTransactionId: string;
	productId: string;
	/** In the purchased currency's major units, as RevenueCat reports it (4.99). */
	price: number;
	trial: boolean;
	purchasedAtMs: number;
	expirationAtMs: number;
}

export type RevenueCatEventType =
	| "INITIAL_PURCHASE"
	| "BILLING_ISSUE"
	| "EXPIRATION";

export interface RevenueCatWebhookBody {
	api_version: string;
	event: Record<string, unknown> & { id: string; type: RevenueCatEventType };
}

/** The envelope RevenueCat posts: `{ api_version, event }`. */
export function revenueCatEvent(
	id: string,
	type: RevenueCatEventType,
	subscriber: SimSubscriber,
	purchase: SimStorePurchase,
	atMs: number,
): RevenueCatWebhookBody {
	// Money moves only on a paid purchase; RevenueCat reports 0 for trials, billing issues and expirations.
	const price =
		type === "INITIAL_PURCHASE" && !purchase.trial ? purchase.price : 0;
	return {
		api_version: "1.0",
		event: {
			event_timestamp_ms: atMs,
			product_id: purchase.productId,
			period_type: purchase.trial ? "TRIAL" : "NORMAL",
			purchased_at_ms: purchase.purchasedAtMs,
			expiration_at_ms: purchase.expirationAtMs,
			// Test traffic: RevenueCat marks store sandbox purchases so, and Plumb flags them.
			environment: "SANDBOX",
			entitlement_id: null,
			entitlement_ids: ["pro"],
			presented_offering_id: null,
			transaction_id: purchase.transactionId,
			original_transaction_id: purchase.originalTransactionId,
			app_user_id: subscriber.appUserId,
			aliases: [subscriber.anonymousId],
			original_app_user_id: subscriber.anonymousId,
			...(type === "EXPIRATION" ? { expiration_reason: "BILLING_ERROR" } : {}),
			offer_code: null,
			currency: "USD",
			price,
			price_in_purchased_currency: price,
			subscriber_attributes: {
				$email: {
					updated_at_ms: purchase.purchasedAtMs,
					value: subscriber.email,
				},
			},
			store: "APP_STORE",
			takehome_percentage: 0.7,
			tax_percentage: 0,
			commission_percentage: 0.3,
			type,
			id,
		},
	};
}
