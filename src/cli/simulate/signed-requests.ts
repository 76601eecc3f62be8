/**
 * The signed requests `plumb simulate` sends, each signed the way its sender signs it: Stripe with
 * the official SDK, Zendesk's HMAC over timestamp + body, a Supabase Database Webhook's shared
 * bearer secret, RevenueCat's configured Authorization header value, and app intents with a
 * Supabase-style access token (jose) or a server API key.
 */
import { createHmac } from "node:crypto";
import { SignJWT } from "jose";
import Stripe from "stripe";

export interface SignedRequest {
	path: string;
	init: RequestInit & { headers: Record<string, string>; body: string };
}

/** POST /webhooks/stripe, signed now (or at `timestamp`, seconds) with `secret`. */
export function stripeWebhook(
	event: unknown,
	secret: string,
	timestamp?: number,
): SignedRequest {
	const body = JSON.stringify(event);
	return {
		path: "/webhooks/stripe",
		init: {
			method: "POST",
			headers: {
				"content-type": "application/json; charset=utf-8",
				"stripe-signature": Stripe.webhooks.generateTestHeaderString({
					payload: body,
					secret,
					...(timestamp === undefined ? {} : { timestamp }),
				}),
			},
			body,
		},
	};
}

/** base64(HMAC-SHA256(secret, timestamp + body)), as developer.zendesk.com/documentation/webhooks/verifying describes. */
export function signZendesk(
	body: string,
	timestamp: string,
	secret: string,
): string {
	return createHmac("sha256", secret)
		.update(`${timestamp}${body}`)
		.digest("base64");
}

/** POST /webhooks/zendesk: the trigger body the README asks for, signed now. */
export function zendeskWebhook(
	change: {
		ticket_id: string;
		status: string;
		external_id: string;
		updated_at: string;
	},
	secret: string,
): SignedRequest {
	const body = JSON.stringify(change);
	const timestamp = new Date().toISOString();
	return {
		path: "/webhooks/zendesk",
		init: {
			method: "POST",
			headers: {
				"content-type": "application/json",
				"x-zendesk-webhook-signature-timestamp": timestamp,
				"x-zendesk-webhook-signature": signZendesk(body, timestamp, secret),
			},
			body,
		},
	};
}

/** POST /webhooks/supabase: an auth.users INSERT as pg_net sends it, with the configured bearer. */
export function supabaseSignup(
	user: { id: string; email: string; name: string },
	secret: string,
): SignedRequest {
	const at = new Date().toISOString();
	return {
		path: "/webhooks/supabase",
		init: {
			method: "POST",
			headers: {
				"content-type": "application/json",
				authorization: `Bearer ${secret}`,
			},
			body: JSON.stringify({
				type: "INSERT",
				table: "users",
				schema: "auth",
				record: {
					id: user.id,
					aud: "authenticated",
					role: "authenticated",
					email: user.email,
					phone: "",
					raw_user_meta_data: { full_name: user.name },
					raw_app_meta_data: { provider: "email", providers: ["email"] },
					created_at: at,
					updated_at: at,
				},
				old_record: null,
			}),
		},
	};
}

/**
 * A Supabase-style access token for `user` (https://supabase.com/docs/guides/auth/jwt-fields),
 * HS256 with the project's JWT secret as Supabase signs it (the secret's UTF-8 bytes).
 */
export function supabaseAccessToken(
	user: { id: string; email: string },
	settings: { secret: string; audience: string; issuer: string | undefined },
): Promise<string> {
	const now = Math.floor(Date.now() / 1000);
	return new SignJWT({
		email: user.email,
		role: "authenticated",
		aal: "aal1",
		is_anonymous: false,
		app_metadata: { provider: "email" },
		user_metadata: {},
	})
		.setProtectedHeader({ alg: "HS256", typ: "JWT" })
		.setSubject(user.id)
		.setAudience(settings.audience)
		.setIssuer(settings.issuer ?? "https://simulate.supabase.co/auth/v1")
		.setIssuedAt(now)
		.setExpirationTime(now + 600)
		.sign(new TextEncoder().encode(settings.secret));
}

/** POST /v1/events with a bearer (an end user's token or a server API key) and an Idempotency-Key. */
export function intent(
	body: unknown,
	bearer: string,
	idempotencyKey: string,
): SignedRequest {
	return {
		path: "/v1/events",
		init: {
			method: "POST",
			headers: {
				"content-type": "application/json",
				authorization: `Bearer ${bearer}`,
				"idempotency-key": idempotencyKey,
			},
			body: JSON.stringify(body),
		},
	};
}

/** POST /webhooks/revenuecat: RevenueCat signs nothing; it sends the Authorization value set in its dashboard. */
export function revenueCatWebhook(
	body: unknown,
	authorization: string,
): SignedRequest {
	return {
		path: "/webhooks/revenuecat",
		init: {
			method: "POST",
			headers: { "content-type": "application/json", authorization },
			body: JSON.stringify(body),
		},
	};
}
