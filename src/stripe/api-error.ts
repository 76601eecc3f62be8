/**
 * A failed Stripe API call as Plumb reports it: one clear sentence naming what was tried and, for a
 * restricted key, the permission it lacks. Built from the SDK's error class and status only: Stripe's
 * own message for a bad key quotes part of the key, so that message is never passed on.
 */
import Stripe from "stripe";
import { STRIPE_PERMISSIONS, type StripePermission } from "./permissions.ts";

export type StripeApiErrorKind =
	| "authentication"
	| "permission"
	| "not_found"
	| "rate_limited"
	| "unreachable"
	| "refused";

export class StripeApiError extends Error {
	readonly kind: StripeApiErrorKind;
	/** Set when kind is "permission": the permission the call needs. */
	readonly permission: StripePermission | undefined;

	constructor(
		kind: StripeApiErrorKind,
		message: string,
		permission?: StripePermission,
	) {
		super(message);
		this.name = "StripeApiError";
		this.kind = kind;
		this.permission = permission;
	}
}

/** Is this SDK error a rate limit Stripe asks us to wait out (429, or Stripe-Should-Retry: true)? */
export function isRetryableStripeError(error: unknown): boolean {
	if (error instanceof Stripe.errors.StripeConnectionError) return true;
	if (!(error instanceof Stripe.errors.StripeError)) return false;
	const shouldRetry = error.headers?.["stripe-should-retry"];
	if (shouldRetry === "false") return false;
	return (
		shouldRetry === "true" ||
		error.statusCode === 429 ||
		(error.statusCode ?? 0) >= 500
	);
}

/** The Retry-After header of an SDK error, if any. */
export function retryAfterOf(error: unknown): string | undefined {
	return error instanceof Stripe.errors.StripeError
		? error.headers?.["retry-after"]
		: undefined;
}

/** `what` completes "… needed to <what>" / "… answered <status> to <what>". */
export function describeStripeError(
	error: unknown,
	what: string,
	need: StripePermission,
	apiBase: string,
): StripeApiError {
	if (error instanceof StripeApiError) return error;
	if (error instanceof Stripe.errors.StripeAuthenticationError)
		return new StripeApiError(
			"authentication",
			`Stripe refused STRIPE_API_KEY (401) when asked to ${what}: the key is revoked, mistyped, or from another account. Use a secret key (sk_…) or a restricted key (rk_…) from Stripe Dashboard › Developers › API keys.`,
		);
	if (error instanceof Stripe.errors.StripePermissionError) {
		const label = STRIPE_PERMISSIONS[need];
		return new StripeApiError(
			"permission",
			`STRIPE_API_KEY lacks the permission "${label}", needed to ${what}. Edit the restricted key (Stripe Dashboard › Developers › API keys) and grant "${label}".`,
			need,
		);
	}
	if (error instanceof Stripe.errors.StripeRateLimitError)
		return new StripeApiError(
			"rate_limited",
			`Stripe kept answering 429 (too many requests) when asked to ${what}; try again in a minute.`,
		);
	if (error instanceof Stripe.errors.StripeConnectionError)
		return new StripeApiError(
			"unreachable",
			`Could not reach Stripe at ${apiBase} to ${what} (${error.message}). Check the network, or STRIPE_API_BASE.`,
		);
	if (error instanceof Stripe.errors.StripeError) {
		const status = error.statusCode ?? "no status";
		return new StripeApiError(
			error.statusCode === 404 ? "not_found" : "refused",
			`Stripe answered ${status} (${[error.rawType ?? error.type, error.code].filter(Boolean).join(", ")}) when asked to ${what}: ${error.message}`,
		);
	}
	return new StripeApiError(
		"unreachable",
		`Could not ${what}: ${error instanceof Error ? error.message : String(error)}`,
	);
}
