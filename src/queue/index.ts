export type { AlertEvaluation, AlertEvaluationDeps } from "./alerts/index.ts";
export { evaluateAlertRules, raiseAlert } from "./alerts/index.ts";
export { NOT_CONFIGURED } from "./attempt.ts";
export type { Budget, RetryPolicy, Transition } from "./backoff.ts";
export { backoffDelay, nextState, PERMANENT_ATTEMPTS } from "./backoff.ts";
export { enqueueCrmSyncs } from "./crm-sync-policy.ts";
export type { EnqueueContext } from "./enqueue.ts";
export { enqueue, idempotencyKey } from "./enqueue.ts";
export type { DestinationLimit } from "./limits.ts";
export { DestinationLimits } from "./limits.ts";
export type { Loop, LoopOptions, PassFailure, PassResult } from "./loop.ts";
export {
	describeError,
	isConflict,
	passFailure,
	retryConflicts,
	startLoop,
} from "./loop.ts";
export { watchQueueMetrics } from "./queue-metrics.ts";
export type {
	BulkReplayProgress,
	BulkReplayRequest,
	ReplayRequest,
	ReplayResult,
} from "./replay.ts";
export { replayDead, replayDelivery } from "./replay.ts";
export type { DeliveryWorkerSettings } from "./settings.ts";
export type {
	DeliveryWorker,
	DeliveryWorkerDeps,
	WorkerStep,
} from "./worker.ts";
export { DELIVERIES_CHANNEL, startDeliveryWorker } from "./worker.ts";
