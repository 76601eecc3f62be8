/**
 * The queue: one loop (loop.ts) runs both halves — events/ turns stored events into state and
 * deliveries, deliveries/ carries deliveries out to the connectors — and the alert evaluator.
 */
export type { AlertEvaluation, AlertEvaluationDeps } from "./alerts/index.ts";
export { evaluateAlertRules, raiseAlert } from "./alerts/index.ts";
export { enqueueCrmSyncs } from "./crm-sync-policy.ts";
export * from "./deliveries/index.ts";
export type { EnqueueContext } from "./enqueue.ts";
export { enqueue, idempotencyKey } from "./enqueue.ts";
export * from "./events/index.ts";
export type { Loop, LoopOptions, PassFailure, PassResult } from "./loop.ts";
export {
	describeError,
	isConflict,
	passFailure,
	retryConflicts,
	startLoop,
} from "./loop.ts";
export type {
	PruneDeps,
	PruneKind,
	PruneResult,
	PruneSettings,
	PruneSummary,
} from "./retention/index.ts";
export {
	noneRemoved,
	PRUNE_BATCH,
	PRUNE_KINDS,
	prune,
} from "./retention/index.ts";
