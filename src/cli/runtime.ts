/** Wires concrete adapters: config → logger, metrics, database (migrated). Shared by every command. */
import type { Config } from "../config.ts";
import {
	createLogger,
	createMetrics,
	type Logger,
	type Metrics,
} from "../observability/index.ts";
import { type Db, migrate, openDb } from "../store/index.ts";
import { lockDataDir } from "./data-dir-lock.ts";

export interface Runtime {
	config: Config;
	logger: Logger;
	metrics: Metrics;
	db: Db;
	/** Closes the database and releases the embedded data-dir lock. */
	close(): Promise<void>;
}

export function loggerFor(config: Config): Logger {
	return createLogger({
		level: config.logLevel,
		secretValues: config.secretValues,
	});
}

export async function openRuntime(
	config: Config,
	options: { migrate: boolean },
): Promise<Runtime> {
	const logger = loggerFor(config);
	const release = config.database.url
		? async () => {}
		: await lockDataDir(config.database.dataDir);
	let db: Db;
	try {
		db = await openDb({
			url: config.database.url,
			dataDir: config.database.dataDir,
			onError: (error) =>
				logger.warn(
					{
						step: "db",
						outcome: "idle_client_error",
						err: { message: error.message },
					},
					"database connection lost",
				),
		});
	} catch (error) {
		await release();
		throw error;
	}
	if (options.migrate) {
		const applied = await migrate(db);
		if (applied.length > 0)
			logger.info({ step: "migrate", applied }, "migrations applied");
	}
	return {
		config,
		logger,
		metrics: createMetrics({ defaultMetrics: true }),
		db,
		async close() {
			await db.close();
			await release();
		},
	};
}
