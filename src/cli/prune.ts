/**
 * `plumb prune`: removes what retention (PLUMB_RETENTION_*) says has been kept long enough, in
 * batches of 1,000 rows, until nothing is left; the worker runs the same every PLUMB_PRUNE_EVERY.
 */
import { parseArgs } from "node:util";
import type { Config } from "../config/index.ts";
import { createScrubber } from "../observability/index.ts";
import {
	noneRemoved,
	PRUNE_KINDS,
	type PruneKind,
	prune,
} from "../queue/index.ts";
import { pruneSettings } from "./pruner.ts";
import { openRuntime } from "./runtime.ts";

export const PRUNE_USAGE = `Usage: plumb prune

Removes, in batches of 1,000 rows (each its own short transaction):
  the raw payloads of processed events older than PLUMB_RETENTION_PAYLOADS (default 30d;
  the event, its id, normalized data and status stay forever),
  delivery attempts older than PLUMB_RETENTION_ATTEMPTS (default 90d),
  alerts resolved before PLUMB_RETENTION_ALERTS (default 90d),
  dashboard sessions that have ended, and the rate buckets of intent callers idle for a day.
Each setting takes a duration (30d, 12h) or forever. The worker runs the same every
PLUMB_PRUNE_EVERY (default 1h); one process prunes at a time.`;

const LABELS: Record<PruneKind, string> = {
	payloads: "event payloads removed",
	attempts: "delivery attempts deleted",
	sessions: "ended sessions deleted",
	alerts: "resolved alerts deleted",
	buckets: "idle rate buckets deleted",
};

/** `argv` is everything after `prune`. Exit codes: 0 done, 1 failed or busy, 2 usage. */
export async function pruneCommand(
	config: Config,
	argv: readonly string[],
): Promise<number> {
	try {
		const { positionals } = parseArgs({
			args: [...argv],
			allowPositionals: true,
			strict: true,
			options: {},
		});
		if (positionals.length > 0)
			throw new Error(`Unexpected argument: ${positionals[0]}`);
	} catch (error) {
		process.stderr.write(`${messageOf(error)}\n\n${PRUNE_USAGE}\n`);
		return 2;
	}
	const runtime = await openRuntime(config);
	const settings = pruneSettings(config);
	const total = noneRemoved();
	const started = performance.now();
	try {
		// A run stops at its time budget; the command goes on until one finishes.
		for (;;) {
			const result = await prune(runtime, settings);
			if (!result.ran) {
				process.stderr.write(
					"Another prune is running (a worker's, or another plumb prune); try again when it ends.\n",
				);
				return 1;
			}
			for (const kind of PRUNE_KINDS)
				total[kind] += result.summary.removed[kind];
			if (result.summary.finished) break;
		}
		const seconds = ((performance.now() - started) / 1000).toFixed(1);
		process.stdout.write(
			`Pruned in ${seconds} s: ${PRUNE_KINDS.map((kind) => `${total[kind]} ${LABELS[kind]}`).join(", ")}.\n`,
		);
		return 0;
	} catch (error) {
		process.stderr.write(
			createScrubber(config.secretValues)(
				`plumb prune: ${messageOf(error)}\nWhat was removed before the failure stays removed; run it again to go on.\n`,
			),
		);
		return 1;
	} finally {
		await runtime.close();
	}
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
