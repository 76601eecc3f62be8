/**
 * Per-caller token buckets for POST /v1/events, in this process's memory. Each `plumb serve` process
 * keeps its own, so N processes behind a load balancer let a caller through up to N times the rate:
 * enough to stop one broken client flooding the queue, which is the point, without a shared store.
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

/** See the module header for the per-process caveat. */
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
