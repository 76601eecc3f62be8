/** Serialization failures and deadlocks are retried with a short jittered pause, never surfaced. */
import { RETRYABLE_SQLSTATES, sleep, sqlState } from "../store/index.ts";

/** Runs `fn` again (up to `tries` times in all) while it fails with a retryable SQLSTATE. */
export async function withSqlRetry<T>(
	fn: () => Promise<T>,
	tries = 8,
): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await fn();
		} catch (error) {
			const code = sqlState(error);
			if (
				attempt >= tries ||
				code === undefined ||
				!RETRYABLE_SQLSTATES.has(code)
			)
				throw error;
			// graphile/worker pauses 50 ms–5 s on 40001; contention here is brief, so stay short.
			await sleep(Math.random() * Math.min(1_000, 20 * 2 ** attempt));
		}
	}
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

/** `withSqlRetry`, and again when a CRM sync was queued for the same customer meanwhile: the next look sees it. */
export async function withCrmSyncRetry<T>(fn: () => Promise<T>): Promise<T> {
	for (let tries = 1; ; tries++) {
		try {
			return await withSqlRetry(fn);
		} catch (error) {
			if (!isWaitingCrmSyncConflict(error) || tries >= 10) throw error;
		}
	}
}
