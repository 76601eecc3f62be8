/**
 * Deliveries this process has claimed and not started yet, and how much more it may claim: at most
 * 2 × concurrency leases (the second round waits here), in batches, within each destination's limits.
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
	 * What each destination may claim now, in a rotating order so none starves, and `room` in all.
	 * While work waits here, the next claim waits until half a round is free: batches, not a trickle.
	 */
	capacity(inFlight: number): {
		caps: Array<{ destination: Destination; limit: number }>;
		room: number;
	} {
		const waiting = this.#items.length;
		const room = 2 * this.#concurrency - inFlight - waiting;
		const caps: Array<{ destination: Destination; limit: number }> = [];
		if (room <= 0 || (waiting > 0 && room < Math.ceil(this.#concurrency / 2)))
			return { caps, room: 0 };
		this.#rotation = (this.#rotation + 1) % DESTINATIONS.length;
		for (let i = 0; i < DESTINATIONS.length; i++) {
			const destination = DESTINATIONS[
				(this.#rotation + i) % DESTINATIONS.length
			] as Destination;
			const limit = Math.min(
				room,
				this.#configured(destination)
					? this.#limits.claimable(destination, this.#count(destination))
					: room,
			);
			if (limit > 0) caps.push({ destination, limit });
		}
		return { caps, room };
	}

	/** Takes the oldest delivery that may start now (a free slot, its destination's limits), if any. */
	next(inFlight: number): Ready | undefined {
		if (inFlight >= this.#concurrency) return undefined;
		const index = this.#items.findIndex(
			(item) =>
				!this.#configured(item.delivery.destination) ||
				this.#limits.canStart(item.delivery.destination),
		);
		return index < 0 ? undefined : this.#items.splice(index, 1)[0];
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

	#count(destination: Destination): number {
		return this.#items.filter(
			(item) => item.delivery.destination === destination,
		).length;
	}
}
