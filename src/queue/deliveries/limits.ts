/**
 * Per-destination limits in one process: calls in flight, a token-bucket rate, and a pause after a
 * 429. Calls in flight are per process; the rate is also enforced across processes, by the shared
 * buckets the claim spends (store `claimWithinSharedRates`, fed by `sharedRate`).
 * A destination that takes deliveries in batches (HubSpot) counts calls, each carrying up to its
 * batch size, and its rate counts vendor requests: a call costs its `requestsPerCall` tokens.
 */
import type { Destination } from "../../core/index.ts";
import type { SharedRate } from "../../store/index.ts";

export interface DestinationLimit {
	concurrency: number;
	/** Calls per second; undefined = no rate limit. */
	ratePerSecond: number | undefined;
}

/** How a destination's calls are shaped: deliveries per call, and vendor requests per call. */
export interface CallShape {
	maxSize: number;
	requestsPerCall: number;
}

const SINGLE: CallShape = { maxSize: 1, requestsPerCall: 1 };

interface Lane {
	limit: DestinationLimit;
	shape: CallShape;
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
		shapes: Partial<Record<Destination, CallShape>> = {},
	) {
		this.#now = now;
		for (const [destination, limit] of Object.entries(limits) as Array<
			[Destination, DestinationLimit]
		>) {
			const shape = shapes[destination] ?? SINGLE;
			this.#lanes.set(destination, {
				limit,
				shape,
				inFlight: 0,
				tokens: burst(limit, shape),
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
		return (
			lane.limit.ratePerSecond === undefined ||
			lane.tokens >= lane.shape.requestsPerCall
		);
	}

	/** The bucket every process shares for `destination`; undefined without a rate limit. */
	sharedRate(destination: Destination): SharedRate | undefined {
		const lane = this.#lane(destination);
		const rate = lane.limit.ratePerSecond;
		if (rate === undefined) return undefined;
		return {
			ratePerSecond: rate,
			burst: burst(lane.limit, lane.shape),
			costPerCall: lane.shape.requestsPerCall,
			deliveriesPerCall: lane.shape.maxSize,
		};
	}

	/** Deliveries one call to `destination` carries at most (1 unless it takes batches). */
	batchSize(destination: Destination): number {
		return this.#lane(destination).shape.maxSize;
	}

	/**
	 * How many more deliveries of `destination` a worker may claim, given `waiting` already claimed
	 * and not started: what the calls that can start now carry, plus (without a rate limit only) one
	 * more round of the cap, so the next batch is claimed while this one runs. Rate-limited ones wait
	 * in the table.
	 */
	claimable(destination: Destination, waiting: number): number {
		const lane = this.#lane(destination);
		const now = this.#now();
		if (now < lane.pausedUntil) return 0;
		const rate = lane.limit.ratePerSecond;
		const ahead = rate === undefined ? lane.limit.concurrency : 0;
		let calls = lane.limit.concurrency + ahead - lane.inFlight;
		if (rate !== undefined) {
			this.#refill(lane, now);
			calls = Math.min(
				calls,
				Math.floor(lane.tokens / lane.shape.requestsPerCall),
			);
		}
		return Math.max(0, calls * lane.shape.maxSize - waiting);
	}

	/** Takes a slot and a call's tokens; `release` gives the slot back when it ends. */
	acquire(destination: Destination): void {
		const lane = this.#lane(destination);
		lane.inFlight++;
		if (lane.limit.ratePerSecond !== undefined)
			lane.tokens -= lane.shape.requestsPerCall;
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
		const cost = lane.shape.requestsPerCall;
		if (lane.tokens >= cost) return undefined;
		return Math.ceil(((cost - lane.tokens) / rate) * 1000);
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
		lane.tokens = Math.min(
			burst(lane.limit, lane.shape),
			lane.tokens + elapsed * rate,
		);
		lane.refilledAt = now;
	}
}

/**
 * A bucket holds one second's worth (at least one call's), so a burst never exceeds the rate for
 * long: in any window of T seconds at most rate · (T + 1) go out (HubSpot's 100 per rolling 10 s
 * therefore needs a rate of at most 9/s).
 */
function burst(limit: DestinationLimit, shape: CallShape): number {
	return limit.ratePerSecond === undefined
		? Number.POSITIVE_INFINITY
		: Math.max(shape.requestsPerCall, limit.ratePerSecond);
}
