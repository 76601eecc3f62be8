/** The deliveries outbox: inserting rows, the queue (claim, lease, fenced settle), replays, CRM syncs. */
export type { NewCrmSync } from "./crm-syncs.ts";
export {
	insertCrmSyncs,
	skipSupersededCrmSyncs,
	waitingCrmSyncs,
} from "./crm-syncs.ts";
export type {
	DeliveryListItem,
	NewDeliveryRow,
	QueueStatsRow,
} from "./deliveries.ts";
export {
	getDelivery,
	insertDelivery,
	queueStats,
} from "./deliveries.ts";
export type {
	AttemptOutcome,
	ClaimedDelivery,
	SettledDelivery,
	SettledStatus,
	SettleRow,
} from "./delivery-queue.ts";
export {
	claimDeliveries,
	nextDueInMs,
	recoverExpiredLeases,
	settleDeliveries,
} from "./delivery-queue.ts";
export type { BulkReplayStatus, ReplayTarget } from "./delivery-replay.ts";
export {
	countReplayable,
	lockDeliveryForReplay,
	lockReplayPage,
	requeueDeliveries,
} from "./delivery-replay.ts";
export type { SharedClaim, SharedRate } from "./shared-rates.ts";
export { claimWithinSharedRates, pauseSharedRate } from "./shared-rates.ts";
