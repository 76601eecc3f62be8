/** The delivery half of the queue: claim due deliveries, call connectors, settle the outcome. */
export { NOT_CONFIGURED } from "./attempt.ts";
export type { Budget, RetryPolicy, Transition } from "./backoff.ts";
export { backoffDelay, nextState, PERMANENT_ATTEMPTS } from "./backoff.ts";
export type {
	DeliveryWorker,
	DeliveryWorkerDeps,
	WorkerStep,
} from "./delivery-worker.ts";
export { DELIVERIES_CHANNEL, startDeliveryWorker } from "./delivery-worker.ts";
export type { DestinationLimit } from "./limits.ts";
export { DestinationLimits } from "./limits.ts";
export { watchQueueMetrics } from "./queue-metrics.ts";
export type {
	BulkReplayProgress,
	BulkReplayRequest,
	ReplayRequest,
	ReplayResult,
} from "./replay.ts";
export { replayDead, replayDelivery } from "./replay.ts";
export type { DeliveryWorkerSettings } from "./settings.ts";
