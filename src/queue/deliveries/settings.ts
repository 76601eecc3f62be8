/** What the delivery worker needs from the configuration (PLUMB_DELIVERY_*, PLUMB_<DESTINATION>_*). */
import type { Destination } from "../../core/index.ts";
import type { DestinationLimit } from "./limits.ts";

/** How the delivery worker runs; every duration in milliseconds. */
export interface DeliveryWorkerSettings {
	/** Connector calls in flight at once in one process, all destinations together. */
	readonly concurrency: number;
	/** One connector call's bound (AbortSignal). */
	readonly timeoutMs: number;
	/** How long a claim is held before another worker may take the delivery back. */
	readonly leaseMs: number;
	/** Transient failures retry for this long (since the first try or the last replay), then go dead. */
	readonly horizonMs: number;
	readonly backoffBaseMs: number;
	readonly backoffMaxMs: number;
	/** On SIGTERM, how long in-flight deliveries may take before they are released. */
	readonly drainMs: number;
	/** Longest sleep between looks at the queue when no notification arrives. */
	readonly pollMs: number;
	/** Per destination: calls in flight (per process) and calls per second (across all processes; undefined = no limit). */
	readonly limits: Readonly<Record<Destination, Readonly<DestinationLimit>>>;
}
