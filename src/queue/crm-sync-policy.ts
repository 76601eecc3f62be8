/**
 * The policy: at most one CRM sync waits (pending or retry_pending) per customer. A sync carries no
 * payload and pushes the customer as they are when it runs, so one waiting sync covers every change
 * queued behind it: ten events make one update. The unique index `deliveries_one_waiting_crm_sync`
 * (store/db/migrations/0003_deliveries.sql) enforces it; the functions here honour it, and their
 * SQL is in store/deliveries/crm-syncs.ts. Two places apply it in their own statement, each saying
 * why: lease recovery (store `recoverExpiredLeases`) and customer merges (store `moveCustomerRows`).
 */
import {
	type ClaimedDelivery,
	type Db,
	insertCrmSyncs,
	type SettleRow,
	skipSupersededCrmSyncs,
	sqlState,
	waitingCrmSyncs,
} from "../store/index.ts";
import { idempotencyKey } from "./enqueue.ts";
import { retryConflicts } from "./loop.ts";

/** One CRM sync per customer, in one statement: a customer with one waiting gets no second. Returns how many were new. */
export async function enqueueCrmSyncs(
	tx: Db,
	syncs: ReadonlyArray<{ customerId: string; eventId: string }>,
): Promise<number> {
	return insertCrmSyncs(
		tx,
		syncs.map((sync) => ({
			idempotencyKey: idempotencyKey(
				{ destination: "hubspot", action: "crm_sync" },
				sync,
			),
			customerId: sync.customerId,
			eventId: sync.eventId,
		})),
	);
}

export interface SyncCandidate {
	id: string;
	action: string;
	customerId: string | null;
}

/**
 * Which of `candidates` (deliveries about to wait again) give way, and to whom: a CRM sync gives way
 * to the one already waiting for its customer, else to the newest candidate of its customer. Returns
 * superseded id → the sync that waits instead; other candidates are absent.
 */
export async function supersededSyncs(
	db: Db,
	candidates: readonly SyncCandidate[],
): Promise<Map<string, string>> {
	const syncs = candidates.filter(
		(c): c is SyncCandidate & { customerId: string } =>
			c.action === "crm_sync" && c.customerId !== null,
	);
	const superseded = new Map<string, string>();
	if (syncs.length === 0) return superseded;
	const waiting = await waitingCrmSyncs(
		db,
		[...new Set(syncs.map((s) => s.customerId))],
		syncs.map((s) => s.id),
	);
	// Newest first (UUIDv7 ids sort by creation): the newest one of a customer keeps waiting.
	for (const sync of [...syncs].sort((a, b) => (a.id < b.id ? 1 : -1))) {
		const by = waiting.get(sync.customerId);
		if (by === undefined) waiting.set(sync.customerId, sync.id);
		else superseded.set(sync.id, by);
	}
	return superseded;
}

/**
 * Settle rows with superseded CRM syncs turned from `retry_pending` into `skipped`. The items stay as
 * they were, so a second look after a conflict starts from the attempts' own results.
 */
export async function skipSupersededRetries(
	db: Db,
	items: ReadonlyArray<{ row: SettleRow; delivery: ClaimedDelivery }>,
): Promise<SettleRow[]> {
	const rows = items.map((item) => ({ ...item.row }));
	const superseded = await supersededSyncs(
		db,
		items
			.filter((item) => item.row.status === "retry_pending")
			.map(({ row, delivery }) => ({
				id: row.id,
				action: delivery.action,
				customerId: delivery.customer_id,
			})),
	);
	for (const row of rows) {
		const by = superseded.get(row.id);
		if (by === undefined) continue;
		row.status = "skipped";
		row.delayMs = null;
		row.error = `superseded by ${by}`;
	}
	return rows;
}

/** Marks dead or skipped syncs skipped in favour of the one waiting; returns the ids that changed. */
export function skipSuperseded(
	tx: Db,
	superseded: ReadonlyMap<string, string>,
): Promise<string[]> {
	return skipSupersededCrmSyncs(
		tx,
		[...superseded].map(([id, by]) => ({ id, by })),
	);
}

/** The unique violation a CRM sync raises when it would wait beside a newer one for its customer. */
export function isWaitingCrmSyncConflict(error: unknown): boolean {
	return (
		sqlState(error) === "23505" &&
		typeof error === "object" &&
		error !== null &&
		"constraint" in error &&
		error.constraint === "deliveries_one_waiting_crm_sync"
	);
}

/** `retryConflicts`, and again when a CRM sync was queued for the same customer meanwhile: the next look sees it. */
export async function withCrmSyncRetry<T>(fn: () => Promise<T>): Promise<T> {
	for (let tries = 1; ; tries++) {
		try {
			return await retryConflicts(fn);
		} catch (error) {
			if (!isWaitingCrmSyncConflict(error) || tries >= 10) throw error;
		}
	}
}
