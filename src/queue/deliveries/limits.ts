/**
 * Per-destination limits in one process: calls in flight, a token-bucket rate, and a pause after a
 * 429. N worker processes allow N times as much; set the per-process values with that in mind.
 */
import type { Destination } from "../../core/index.ts";

export interface DestinationLimit {
	concurrency: number;
	/** Calls per second; undefined = no rate limit. */
	ratePerSecond: number | undefined;
}

interface Lane {
	limit: DestinationLimit;
	inFlight: number;
	tokens: number;
	refilledAt: number;
	pausedUntil: number;
}

export class DestinationLimits {
	readonly #lanes = new Map<Destination, Lane>();
	readonly #now: () => number;

	constructor(
		limits: Readonly<Record<Destination, DestinationLimit>>,
		now: () => number,
	) {
		this.#now = now;
		for (const [destination, limit] of Object.entries(limits) as Array<
			[Destination, DestinationLimit]
		>) {
			this.#lanes.set(destination, {
				limit,
				inFlight: 0,
				tokens: burst(limit),
				refilledAt: now(),
				pausedUntil: 0,
			});
		}
	}

	/** Whether a call to `destination` may start now (in-flight cap, a token, no pause). */
	canStart(destination: Destination): boolean {
		const lane = this.#lane(destination);
		const now = this.#now();
		if (now < lane.pausedUntil || lane.inFlight >= lane.limit.concurrency)
			return false;
		this.#refill(lane, now);
		return lane.limit.ratePerSecond === undefined || lane.tokens >= 1;
	}

	/**
	 * How many more deliveries of `destination` a worker may claim, given `waiting` already claimed
	 * and not started: what can start now, plus (without a rate limit only) one more round of the
	 * cap, so the next batch is claimed while this one runs. Rate-limited ones wait in the table.
	 */
	claimable(destination: Destination, waiting: number): number {
		const lane = this.#lane(destination);
		const now = this.#now();
		if (now < lane.pausedUntil) return 0;
		const rate = lane.limit.ratePerSecond;
		const ahead = rate === undefined ? lane.limit.concurrency : 0;
		const bySlots = lane.limit.concurrency + ahead - lane.inFlight - waiting;
		if (rate === undefined) return Math.max(0, bySlots);
		this.#refill(lane, now);
		return Math.max(0, Math.min(bySlots, Math.floor(lane.tokens) - waiting));
	}

	/** Takes a slot and a token for one call; `release` gives the slot back when it ends. */
	acquire(destination: Destination): void {
		const lane = this.#lane(destination);
		lane.inFlight++;
		if (lane.limit.ratePerSecond !== undefined) lane.tokens -= 1;
	}

	release(destination: Destination): void {
		const lane = this.#lane(destination);
		lane.inFlight = Math.max(0, lane.inFlight - 1);
	}

	/** A 429: no new calls to `destination` from this process for `ms`. */
	pause(destination: Destination, ms: number): void {
		const lane = this.#lane(destination);
		lane.pausedUntil = Math.max(lane.pausedUntil, this.#now() + ms);
	}

	/**
	 * Milliseconds until `destination` may start a call when only time stands in the way (a pause or
	 * an empty bucket); undefined when it can start now or waits for a slot to free up instead.
	 */
	waitMs(destination: Destination): number | undefined {
		const lane = this.#lane(destination);
		const now = this.#now();
		if (now < lane.pausedUntil) return lane.pausedUntil - now;
		if (lane.inFlight >= lane.limit.concurrency) return undefined;
		const rate = lane.limit.ratePerSecond;
		if (rate === undefined) return undefined;
		this.#refill(lane, now);
		if (lane.tokens >= 1) return undefined;
		return Math.ceil(((1 - lane.tokens) / rate) * 1000);
	}

	#lane(destination: Destination): Lane {
		const lane = this.#lanes.get(destination);
		if (!lane) throw new Error(`no limits for destination ${destination}`);
		return lane;
	}

	#refill(lane: Lane, now: number): void {
		const rate = lane.limit.ratePerSecond;
		if (rate === undefined) return;
		const elapsed = Math.max(0, now - lane.refilledAt) / 1000;
		lane.tokens = Math.min(burst(lane.limit), lane.tokens + elapsed * rate);
		lane.refilledAt = now;
	}
}

/** A bucket holds one second's worth of calls (at least one), so a burst never exceeds the rate for long. */
function burst(limit: DestinationLimit): number {
	return limit.ratePerSecond === undefined
		? Number.POSITIVE_INFINITY
		: Math.max(1, limit.ratePerSecond);
}
