/** Drives the event worker in-process until the inbox is empty. */
import type { Config } from "../../src/config/index.ts";
import { createLogger, createMetrics } from "../../src/observability/index.ts";
import {
	EVENT_WORKER_DEFAULTS,
	type EventWorkerDeps,
	processBatch,
} from "../../src/queue/index.ts";
import type { Db } from "../../src/store/index.ts";
import { captureLogs, testConfig } from "./app.ts";

/** What the event worker needs, with its logs captured (level warn unless told) instead of printed; spread it to override one. */
export function eventWorkerDeps(
	db: Db,
	config: Config = testConfig(),
	level = "warn",
): EventWorkerDeps & { logs: () => Record<string, unknown>[] } {
	const { stream, lines } = captureLogs();
	return {
		db,
		logger: createLogger({ level, secretValues: [], destination: stream }),
		metrics: createMetrics(),
		wakeup: { wait: async () => {}, close: async () => {} },
		plans: config.plans,
		publicUrl: config.publicUrl,
		now: Date.now,
		/** The log lines written so far, parsed. */
		logs: () =>
			lines.map((line) => JSON.parse(line) as Record<string, unknown>),
	};
}

/** Applies every pending event; returns how many it claimed. */
export async function drainEvents(
	db: Db,
	config: Config = testConfig(),
): Promise<number> {
	const deps = eventWorkerDeps(db, config);
	let total = 0;
	for (;;) {
		const claimed = await processBatch(deps, EVENT_WORKER_DEFAULTS);
		if (claimed === 0) return total;
		total += claimed;
	}
}
