/** The deliveries outbox: inserting rows, the queue (claim, lease, fenced settle), replays. */
export type {
	DeliveryListItem,
	NewDeliveryRow,
	QueueStatsRow,
} from "./deliveries.ts";
export {
	getDelivery,
	insertDeliveries,
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
	waitingCrmSyncs,
} from "./delivery-queue.ts";
export type { ReplayTarget } from "./delivery-replay.ts";
export {
	countDead,
	lockDeadPage,
	lockDeliveryForReplay,
	requeueDeliveries,
	supersedeDeliveries,
} from "./delivery-replay.ts";
