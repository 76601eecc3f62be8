/** Drives the event worker in-process until the inbox is empty. */
import type { Config } from "../../src/config/index.ts";
import { createLogger } from "../../src/observability/index.ts";
import type { Db } from "../../src/store/index.ts";
import { EVENT_WORKER_DEFAULTS, processBatch } from "../../src/worker/index.ts";
import { captureLogs, testConfig } from "./app.ts";

/** What the event worker needs, with its logs captured (level warn unless told) instead of printed. */
export function eventWorkerDeps(
	db: Db,
	config: Config = testConfig(),
	level = "warn",
) {
	const { stream, lines } = captureLogs();
	return {
		db,
		logger: createLogger({ level, secretValues: [], destination: stream }),
		wakeup: { wait: async () => {}, close: async () => {} },
		plans: config.plans,
		publicUrl: config.publicUrl,
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
