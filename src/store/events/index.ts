/** The events inbox: storing events once, app intents, and the event worker's claims. */
export type { ApiVersionSeen } from "./api-versions.ts";
export { stripeApiVersionsSeen } from "./api-versions.ts";
export type { CallerRateDecision } from "./caller-rates.ts";
export { takeCallerToken } from "./caller-rates.ts";
export type { ClaimedEvent } from "./event-claims.ts";
export {
	claimEventsById,
	claimPendingEvents,
	markEventsProcessed,
	recordEventFailure,
} from "./event-claims.ts";
export type { EventRow, InsertResult } from "./events.ts";
export { getEvent, insertEvent, insertEvents, isUuid } from "./events.ts";
export { storeEvent } from "./group-commit.ts";
export type {
	IntentRecord,
	IntentStatusRow,
	StoreIntentResult,
} from "./intents.ts";
export { getIntentStatus, storeIntent } from "./intents.ts";
export { countEventsOf, customersOfEvents } from "./run-events.ts";
export {
	claimSyncCheckpoint,
	releaseSyncCheckpoint,
	saveSyncCheckpoint,
} from "./sync-checkpoints.ts";
