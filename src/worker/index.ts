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
export type { LoadedState, WorkspaceDeps } from "./workspace.ts";
export { Workspace } from "./workspace.ts";
