/**
 * Start-up of the long-running commands against a database that may not be up yet: migrate and read
 * the log salt, and while the database is unreachable try again with backoff instead of exiting, so a
 * supervisor restarting Plumb before its database does not loop.
 */
import {
	isDatabaseUnavailable,
	migrate,
	pgAddress,
	ReconnectDelay,
	sleep,
	sqlState,
} from "../store/index.ts";
import { installLogSalt } from "./observability.ts";
import type { Runtime } from "./runtime.ts";

/**
 * Resolves true once the database is migrated, false if `signal` aborts first. Errors other than an
 * unreachable database (a failed migration, a refused password) are thrown: waiting will not fix them.
 */
export async function connectDatabase(
	runtime: Runtime,
	signal: AbortSignal,
): Promise<boolean> {
	const { config, db, logger } = runtime;
	const database = config.database.url
		? pgAddress(config.database.url)
		: "embedded";
	const delay = new ReconnectDelay();
	while (!signal.aborted) {
		try {
			const applied = await migrate(db);
			if (applied.length > 0)
				logger.info({ step: "migrate", applied }, "migrations applied");
			await installLogSalt(config, db);
			if (delay.reset())
				logger.info(
					{ step: "db_connect", outcome: "connected", database },
					"database reachable; starting",
				);
			return true;
		} catch (error) {
			if (!isDatabaseUnavailable(error)) throw error;
			const nextMs = delay.next();
			logger.warn(
				{
					step: "db_connect",
					outcome: "unavailable",
					attempt: delay.attempt,
					next_delay_ms: nextMs,
					database,
					err: {
						code: sqlState(error),
						message: error instanceof Error ? error.message : String(error),
					},
				},
				"database unreachable at start; retrying",
			);
			await sleep(nextMs, signal);
		}
	}
	return false;
}
