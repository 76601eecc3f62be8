/**
 * Plumb's Stripe API client: the official SDK pointed at STRIPE_API_BASE, and one `call` that waits
 * out rate limits (Retry-After, Stripe-Should-Retry; bounded) and turns every failure into a
 * StripeApiError that says what was tried and which permission is missing.
 */
import Stripe from "stripe";
import { parseRetryAfter } from "../core/index.ts";
import {
	describeStripeError,
	isRetryableStripeError,
	retryAfterOf,
} from "./api-error.ts";
import type { StripePermission } from "./permissions.ts";
import { STRIPE_API_VERSION } from "./subscribed-events.ts";

/** What the client needs from the configuration. */
export interface StripeApiSettings {
	/** STRIPE_API_KEY: sk_… or rk_…. */
	readonly apiKey: string;
	/** STRIPE_API_BASE: https://api.stripe.com, or a stand-in on loopback. */
	readonly apiBase: string;
}

export interface StripeApiOptions {
	/** One request's bound; default 30 s. */
	timeoutMs?: number;
	/** Tries of one call while Stripe says to retry (429, 5xx, connection loss); default 6. */
	maxAttempts?: number;
	/** Longest single wait, whatever Retry-After says; default 60 s. */
	maxWaitMs?: number;
	sleep?: (ms: number) => Promise<void>;
	now?: () => number;
}

export interface StripeApi {
	readonly sdk: Stripe;
	/** Requests sent so far, retries included (for summaries and benchmarks). */
	readonly requests: () => number;
	/** Runs `request` with retries; `what` and `need` name it in errors ("list events", "eventsRead"). */
	call<T>(
		what: string,
		need: StripePermission,
		request: (sdk: Stripe) => Promise<T>,
	): Promise<T>;
}

export function createStripeApi(
	settings: StripeApiSettings,
	options: StripeApiOptions = {},
): StripeApi {
	const base = new URL(settings.apiBase);
	const sdk = new Stripe(settings.apiKey, {
		// The SDK's types only admit its own newest version; Plumb pins the version it understands.
		apiVersion: STRIPE_API_VERSION as Stripe.LatestApiVersion,
		host: base.hostname,
		port: base.port || (base.protocol === "https:" ? 443 : 80),
		protocol: base.protocol === "https:" ? "https" : "http",
		// Retries are ours: the SDK ignores Retry-After.
		maxNetworkRetries: 0,
		timeout: options.timeoutMs ?? 30_000,
		telemetry: false,
		appInfo: { name: "Plumb" },
	});
	const maxAttempts = options.maxAttempts ?? 6;
	const maxWaitMs = options.maxWaitMs ?? 60_000;
	const sleep =
		options.sleep ??
		((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
	const now = options.now ?? Date.now;
	let requests = 0;
	return {
		sdk,
		requests: () => requests,
		async call(what, need, request) {
			for (let attempt = 1; ; attempt += 1) {
				requests += 1;
				try {
					return await request(sdk);
				} catch (error) {
					if (attempt >= maxAttempts || !isRetryableStripeError(error))
						throw describeStripeError(error, what, need, settings.apiBase);
					// Stripe's Retry-After when given; otherwise 1 s, 2 s, 4 s … (capped).
					const wait =
						parseRetryAfter(retryAfterOf(error), now(), maxWaitMs) ??
						Math.min(1_000 * 2 ** (attempt - 1), maxWaitMs);
					await sleep(wait);
				}
			}
		},
	};
}
