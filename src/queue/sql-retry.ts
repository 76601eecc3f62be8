/** The CRM-sync conflict: at most one CRM sync waits per customer, and a write that breaks it looks again. */
import { sqlState } from "../store/index.ts";
import { retryConflicts } from "./loop.ts";

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
