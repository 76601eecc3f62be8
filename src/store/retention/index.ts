/** Retention: batched deletes of rows that only explain the past, and the tables' sizes. */
export {
	pruneDeliveryAttempts,
	pruneEventPayloads,
	pruneResolvedAlerts,
} from "./prune-batches.ts";
export type { TableStatsRow } from "./table-stats.ts";
export { tableStats } from "./table-stats.ts";
