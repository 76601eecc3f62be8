/**
 * Deliveries this process has claimed and not started yet, and how much more it may claim: at most
 * 2 × concurrency calls' worth of leases (the second round waits here), within each destination's
 * limits. A call carries one delivery, or up to a batch for a destination that takes batches.
 */
import { DESTINATIONS, type Destination } from "../../core/index.ts";
import type { ClaimedDelivery } from "../../store/index.ts";
import type { DestinationLimits } from "./limits.ts";

export interface Ready {
	delivery: ClaimedDelivery;
	/** Local time after which the lease may be someone else's. */
	leaseDeadline: number;
}

export class ReadyQueue {
	readonly #items: Ready[] = [];
	readonly #concurrency: number;
	readonly #limits: DestinationLimits;
	readonly #configured: (destination: Destination) => boolean;
	#rotation = 0;

	constructor(
		concurrency: number,
		limits: DestinationLimits,
		configured: (destination: Destination) => boolean,
	) {
		this.#concurrency = concurrency;
		this.#limits = limits;
		this.#configured = configured;
	}

	push(item: Ready): void {
		this.#items.push(item);
	}

	/**
	 * What each destination may claim now (in deliveries), in a rotating order so none starves, and
	 * `room` in all. Room is counted in calls: a batch of 100 HubSpot syncs is one call. While work
	 * waits here, the next claim waits until half a round is free: batches, not a trickle.
	 */
	capacity(inFlight: number): {
		caps: Array<{ destination: Destination; limit: number }>;
		room: number;
	} {
		const waiting = DESTINATIONS.reduce(
			(sum, destination) => sum + this.#waitingCalls(destination),
			0,
		);
		const calls = 2 * this.#concurrency - inFlight - waiting;
		const caps: Array<{ destination: Destination; limit: number }> = [];
		if (calls <= 0 || (waiting > 0 && calls < Math.ceil(this.#concurrency / 2)))
			return { caps, room: 0 };
		this.#rotation = (this.#rotation + 1) % DESTINATIONS.length;
		// Each destination may fill the room on its own (most have nothing due); the claim's total
		// keeps one-per-call destinations within the room together, and adds the batches on top.
		let single = 0;
		let batched = 0;
		for (let i = 0; i < DESTINATIONS.length; i++) {
			const destination = DESTINATIONS[
				(this.#rotation + i) % DESTINATIONS.length
			] as Destination;
			const size = this.#configured(destination)
				? this.#limits.batchSize(destination)
				: 1;
			const limit = Math.min(
				calls * size,
				this.#configured(destination)
					? this.#limits.claimable(destination, this.#count(destination))
					: calls,
			);
			if (limit <= 0) continue;
			caps.push({ destination, limit });
			if (size > 1) batched += limit;
			else single += limit;
		}
		const room = Math.min(calls, single) + batched;
		return { caps, room };
	}

	/**
	 * Takes what the next call carries: the oldest delivery that may start now (a free slot, its
	 * destination's limits) and, for a destination that takes batches, the others of that
	 * destination waiting behind it, up to its batch size. Empty when nothing may start.
	 */
	next(inFlight: number): Ready[] {
		if (inFlight >= this.#concurrency) return [];
		const first = this.#items.find(
			(item) =>
				!this.#configured(item.delivery.destination) ||
				this.#limits.canStart(item.delivery.destination),
		);
		if (first === undefined) return [];
		const destination = first.delivery.destination;
		const size = this.#configured(destination)
			? this.#limits.batchSize(destination)
			: 1;
		const call: Ready[] = [];
		for (let i = 0; i < this.#items.length && call.length < size; ) {
			const item = this.#items[i] as Ready;
			if (item.delivery.destination === destination) {
				call.push(item);
				this.#items.splice(i, 1);
			} else i++;
		}
		return call;
	}

	/** Removes and returns the waiting deliveries `which` picks (to hand them back unsent). */
	take(which: (delivery: ClaimedDelivery) => boolean): ClaimedDelivery[] {
		const taken: ClaimedDelivery[] = [];
		for (let i = this.#items.length - 1; i >= 0; i--) {
			const item = this.#items[i] as Ready;
			if (!which(item.delivery)) continue;
			this.#items.splice(i, 1);
			taken.push(item.delivery);
		}
		return taken;
	}

	#waitingCalls(destination: Destination): number {
		return Math.ceil(
			this.#count(destination) / this.#limits.batchSize(destination),
		);
	}

	#count(destination: Destination): number {
		return this.#items.filter(
			(item) => item.delivery.destination === destination,
		).length;
	}
}
