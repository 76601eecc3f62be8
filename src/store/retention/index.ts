/** Retention: batched deletes of rows that only explain the past, and the tables' sizes. */
export type { PrunedRows } from "./prune-batches.ts";
export { pruneBatch } from "./prune-batches.ts";
export type { TableStatsRow } from "./table-stats.ts";
export { tableStats } from "./table-stats.ts";
