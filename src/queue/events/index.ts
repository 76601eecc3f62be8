/** The event half of the queue: claim stored events, decide with the rules, write state and deliveries. */
export type {
	EventWorkerDeps,
	EventWorkerOptions,
	RunningEventWorker,
} from "./event-worker.ts";
export {
	applyBatch,
	EVENT_WORKER_DEFAULTS,
	processBatch,
	startEventWorker,
} from "./event-worker.ts";
export type { LoadedState, Workspace, WorkspaceDeps } from "./workspace.ts";
export { openWorkspace } from "./workspace.ts";
