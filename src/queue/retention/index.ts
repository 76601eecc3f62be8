/** Retention: the prune run that `plumb prune` and the worker share. */
export type {
	PruneDeps,
	PruneKind,
	PruneResult,
	PruneSettings,
	PruneSummary,
} from "./prune.ts";
export { noneRemoved, PRUNE_BATCH, PRUNE_KINDS, prune } from "./prune.ts";
