/** Wires concrete adapters: config → logger, metrics, database. Shared by every command. */
import type { Config } from "../config/index.ts";
import {
	createLogger,
	createMetrics,
	type Logger,
	logThrottle,
	type Metrics,
} from "../observability/index.ts";
import { type Db, migrate, openDb, sqlState } from "../store/index.ts";
import { lockDataDir } from "./data-dir-lock.ts";

export interface Runtime {
	config: Config;
	logger: Logger;
	metrics: Metrics;
	db: Db;
	/** The clock every worker and loop reads (ms since the epoch). */
	now: () => number;
	/** Closes the database and releases the embedded data-dir lock. */
	close(): Promise<void>;
}

export function loggerFor(config: Config): Logger {
	return createLogger({
		level: config.logLevel,
		secretValues: config.secretValues,
	});
}

/**
 * Opens the database without touching it: a Postgres pool connects on first use, so this succeeds
 * while the server is down (start-up then retries, see connect.ts; one-shot commands fail on first use).
 */
export async function openRuntime(config: Config): Promise<Runtime> {
	const logger = loggerFor(config);
	const release = config.database.url
		? async () => {}
		: await lockDataDir(config.database.dataDir);
	// A restart of the server drops every pooled connection at once: one line, then one per 10 s.
	const throttle = logThrottle();
	let db: Db;
	try {
		db = await openDb({
			url: config.database.url,
			dataDir: config.database.dataDir,
			onError: (error) =>
				throttle((suppressed) =>
					logger.warn(
						{
							step: "db",
							outcome: "connection_lost",
							suppressed,
							err: { code: sqlState(error), message: error.message },
						},
						"database connection lost",
					),
				),
		});
	} catch (error) {
		await release();
		throw error;
	}
	return {
		config,
		logger,
		metrics: createMetrics({ defaultMetrics: true }),
		db,
		now: Date.now,
		async close() {
			await db.close();
			await release();
		},
	};
}

/**
 * For one-shot commands that write (reconcile, backfill): a data directory nobody has started yet
 * has no tables, so migrate first, as `plumb start` would (idempotent, under the migration lock).
 */
export async function openMigratedRuntime(config: Config): Promise<Runtime> {
	const runtime = await openRuntime(config);
	try {
		await migrate(runtime.db);
		return runtime;
	} catch (error) {
		await runtime.close();
		throw error;
	}
}
