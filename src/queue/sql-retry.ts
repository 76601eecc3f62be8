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
