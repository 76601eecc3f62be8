/** Plumb's delivery worker in the bench process: unlimited destination limits, a silent logger, a no-op drain. */
import { pino } from "pino";
import { type DeliverySettings, loadConfig } from "../../src/config/index.ts";
import { outcome } from "../../src/core/index.ts";
import {
	createLogger,
	createMetrics,
	type Logger,
} from "../../src/observability/index.ts";
import {
	DELIVERIES_CHANNEL,
	startDeliveryWorker,
} from "../../src/queue/index.ts";
import { type Db, listeningWakeup } from "../../src/store/index.ts";
import type { BenchDatabase } from "./postgres.ts";
import { drained } from "./queue-drain.ts";

/** True while any delivery is waiting or running. */
export const DELIVERIES_LEFT =
	"select exists (select 1 from plumb.deliveries where status in ('pending', 'retry_pending', 'running')) as left";

/** Plumb logs a line per attempt at info, as in production; here the lines are written, to /dev/null. */
export const quietLogger = (): Logger =>
	createLogger({
		level: "info",
		secretValues: [],
		destination: pino.destination({ dest: "/dev/null", sync: false }),
	});

/** The production defaults, but `concurrency` and no per-destination rate limit. */
export function unlimitedSettings(concurrency: number): DeliverySettings {
	const base = loadConfig({
		PLUMB_DELIVERY_CONCURRENCY: String(concurrency),
	}).delivery;
	const limit = { concurrency, ratePerSecond: undefined };
	return {
		...base,
		limits: { hubspot: limit, zendesk: limit, slack: limit, email: limit },
	};
}

/** Drains `count` no-op deliveries; returns deliveries per second and how many succeeded. */
export async function plumbDrain(
	bench: BenchDatabase,
	db: Db,
	tag: string,
	count: number,
	concurrency: number,
): Promise<{ rate: number; succeeded: number }> {
	await bench.query(
		`insert into plumb.deliveries (destination, action, idempotency_key, payload)
		 select 'slack', 'notify', $1 || ':' || n, '{}' from generate_series(1, $2::int) as n`,
		[`bench:${tag}`, count],
	);
	const wakeup = await listeningWakeup(bench.url, [DELIVERIES_CHANNEL]);
	const started = performance.now();
	const worker = startDeliveryWorker({
		db,
		logger: quietLogger(),
		metrics: createMetrics(),
		wakeup,
		connectors: {
			slack: { destination: "slack", deliver: async () => outcome.ok() },
		},
		settings: unlimitedSettings(concurrency),
		publicUrl: "http://127.0.0.1:8787",
	});
	const ended = await drained(bench, DELIVERIES_LEFT);
	await worker.stop();
	await wakeup.close();
	const [row] = await bench.query<{ n: number }>(
		"select count(*)::int as n from plumb.deliveries where status = 'succeeded' and starts_with(idempotency_key, $1)",
		[`bench:${tag}:`],
	);
	return { rate: (count / (ended - started)) * 1000, succeeded: row?.n ?? 0 };
}
