/**
 * Per-caller token buckets for POST /v1/events, in this process's memory: the first gate, which
 * refuses a flood without a database round trip. What it lets through then spends a token of the
 * caller's bucket in Postgres (store `takeCallerToken`), so N processes still allow one rate.
 */

export interface RateLimiterOptions {
	/** Milliseconds since the epoch. */
	now: () => number;
	/** Buckets kept at most; the least recently used go first (a forgotten bucket is a full one). */
	maxCallers?: number;
}

export type RateDecision =
	| { allowed: true }
	| { allowed: false; retryAfterSeconds: number };

interface Bucket {
	tokens: number;
	updatedAt: number;
}

/** `take(caller, perMinute)`: a bucket of `perMinute` tokens refilled evenly over a minute; one per request. */
export interface RateLimiter {
	take(caller: string, perMinute: number): RateDecision;
}

/** One process's buckets (see the module header). */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
	const maxCallers = options.maxCallers ?? 10_000;
	const buckets = new Map<string, Bucket>();
	return {
		take(caller, perMinute) {
			const now = options.now();
			const perMs = perMinute / 60_000;
			const previous = buckets.get(caller);
			const tokens =
				previous === undefined
					? perMinute
					: Math.min(
							perMinute,
							previous.tokens + Math.max(0, now - previous.updatedAt) * perMs,
						);
			// Re-inserted so the Map's order is least recently used first.
			buckets.delete(caller);
			if (tokens < 1) {
				buckets.set(caller, { tokens, updatedAt: now });
				return {
					allowed: false,
					retryAfterSeconds: Math.max(
						1,
						Math.ceil((1 - tokens) / perMs / 1000),
					),
				};
			}
			buckets.set(caller, { tokens: tokens - 1, updatedAt: now });
			while (buckets.size > maxCallers) {
				const oldest = buckets.keys().next().value;
				if (oldest === undefined) break;
				buckets.delete(oldest);
			}
			return { allowed: true };
		},
	};
}
