/**
 * The event worker: claims pending events in batches (FOR UPDATE SKIP LOCKED) and applies a batch in
 * one transaction — lock, load, decide in memory, write back. A rule that throws fails only its own
 * event; if the write-back fails, the batch is retried one event per transaction to isolate the
 * culprit, which is retried later and parked as failed after `maxAttempts`. Serialization and
 * deadlock errors retry the whole batch.
 */
import { uuidv7 } from "../../core/index.ts";
import {
	type Logger,
	type Metrics,
	userHash,
} from "../../observability/index.ts";
import type { Decision, PlanCatalog } from "../../rules/index.ts";
import {
	type ClaimedEvent,
	claimEventsById,
	claimPendingEvents,
	type Db,
	isDatabaseUnavailable,
	recordEventFailure,
	type Wakeup,
} from "../../store/index.ts";
import { describeError, isConflict, startLoop } from "../loop.ts";
import { flushBatch } from "./batch-flush.ts";
import { loadBatch } from "./batch-load.ts";
import { decideEvent } from "./decide-event.ts";
import { type EventKeys, keysOf } from "./event-keys.ts";
import { openWorkspace } from "./workspace.ts";

export interface EventWorkerOptions {
	/** Events per transaction. */
	batchSize: number;
	/** Batches in flight at once (each on its own connection); 1 on PGlite. */
	concurrency: number;
	maxAttempts: number;
	/** Longest sleep when idle (the safety sweep); a NOTIFY wakes the worker sooner, on either engine. */
	idleMs: number;
}

export const EVENT_WORKER_DEFAULTS: EventWorkerOptions = {
	batchSize: 100,
	concurrency: 2,
	maxAttempts: 5,
	idleMs: 30_000,
};

export interface EventWorkerDeps {
	db: Db;
	logger: Logger;
	metrics: Metrics;
	wakeup: Wakeup;
	plans: PlanCatalog;
	publicUrl: string;
	now: () => number;
}

export interface RunningEventWorker {
	/** Finishes the batches in flight, then resolves. */
	stop(): Promise<void>;
}

export function startEventWorker(
	deps: EventWorkerDeps,
	options: Partial<EventWorkerOptions> = {},
): RunningEventWorker {
	const settings = { ...EVENT_WORKER_DEFAULTS, ...options };
	const loop = startLoop({
		name: "event worker",
		step: "apply",
		// A lost database rolls the batch back and charges no event (processBatch rethrows it).
		pass: async () =>
			(await processBatch(deps, settings)) > 0
				? "more"
				: { idleMs: settings.idleMs },
		listen: { wakeup: deps.wakeup, channel: "plumb_events" },
		concurrency: deps.db.kind === "pglite" ? 1 : settings.concurrency,
		logger: deps.logger,
		now: deps.now,
	});
	return { stop: () => loop.stop() };
}

/** Claims and applies one batch. Returns how many events it claimed (0: the inbox is empty). */
export async function processBatch(
	deps: EventWorkerDeps,
	settings: EventWorkerOptions,
): Promise<number> {
	let claimed: string[] = [];
	try {
		const outcome = await deps.db.transaction(async (tx) => {
			const events = await claimPendingEvents(tx, settings.batchSize);
			claimed = events.map((event) => event.id);
			return applyBatch(tx, events, deps, settings);
		});
		report(deps, outcome);
		return claimed.length;
	} catch (error) {
		// A lost database rolled the batch back: no event failed, so none is charged an attempt.
		if (
			isConflict(error) ||
			isDatabaseUnavailable(error) ||
			claimed.length === 0
		)
			throw error;
		if (claimed.length === 1) {
			await failEvent(deps, settings, claimed[0] as string, error);
			return 1;
		}
		deps.logger.warn(
			{
				step: "apply",
				outcome: "batch_split",
				events: claimed.length,
				err: describeError(error),
			},
			"batch failed; applying its events one by one",
		);
		for (const id of claimed) await processOne(deps, settings, id);
		return claimed.length;
	}
}

async function processOne(
	deps: EventWorkerDeps,
	settings: EventWorkerOptions,
	id: string,
): Promise<void> {
	try {
		const outcome = await deps.db.transaction(async (tx) =>
			applyBatch(tx, await claimEventsById(tx, [id]), deps, settings),
		);
		report(deps, outcome);
	} catch (error) {
		if (isConflict(error) || isDatabaseUnavailable(error)) throw error;
		await failEvent(deps, settings, id, error);
	}
}

async function failEvent(
	deps: EventWorkerDeps,
	settings: EventWorkerOptions,
	id: string,
	error: unknown,
): Promise<void> {
	await deps.db.transaction((tx) =>
		recordEventFailure(
			tx,
			id,
			describeError(error).message,
			settings.maxAttempts,
		),
	);
	deps.metrics.eventsApplied.inc({ type: "unknown", outcome: "failed" });
	deps.logger.error(
		{
			step: "apply",
			outcome: "failed",
			event_id: id,
			err: describeError(error),
		},
		"event failed; will retry",
	);
}

interface Outcome {
	applied: Array<{
		event: ClaimedEvent;
		customerId: string | null;
		decision: Decision;
		micros: number;
	}>;
	failed: Array<{ event: ClaimedEvent; error: unknown }>;
	batchMs: number;
}

/** One batch in the caller's transaction: lock and load, decide each event in memory, write back. */
export async function applyBatch(
	tx: Db,
	events: readonly ClaimedEvent[],
	deps: EventWorkerDeps,
	settings: EventWorkerOptions,
): Promise<Outcome> {
	const started = performance.now();
	const outcome: Outcome = { applied: [], failed: [], batchMs: 0 };
	if (events.length === 0) return outcome;
	const parsed: Array<{ event: ClaimedEvent; keys: EventKeys }> = [];
	for (const event of events) {
		try {
			parsed.push({ event, keys: keysOf(event) });
		} catch (error) {
			outcome.failed.push({ event, error });
		}
	}
	const workspace = openWorkspace(await loadBatch(tx, parsed), {
		plans: deps.plans,
		publicUrl: deps.publicUrl,
		newId: uuidv7,
		now: deps.now,
	});
	for (const { event, keys } of parsed) {
		const t0 = performance.now();
		try {
			const { customerId, decision } = decideEvent(workspace, event, keys);
			outcome.applied.push({
				event,
				customerId,
				decision,
				micros: Math.round((performance.now() - t0) * 1000),
			});
		} catch (error) {
			outcome.failed.push({ event, error });
		}
	}
	await flushBatch(tx, workspace, new Date(deps.now()));
	for (const { event, error } of outcome.failed)
		await recordEventFailure(
			tx,
			event.id,
			describeError(error).message,
			settings.maxAttempts,
		);
	outcome.batchMs = Math.round((performance.now() - started) * 10) / 10;
	return outcome;
}

/** One log line per event, after the commit, with its correlation id. */
function report(deps: EventWorkerDeps, outcome: Outcome): void {
	for (const { event, customerId, decision, micros } of outcome.applied) {
		const own = decision.timeline.at(-1);
		deps.metrics.eventsApplied.inc({ type: event.type, outcome: "processed" });
		deps.metrics.applyDuration.observe(
			outcome.batchMs / 1000 / Math.max(outcome.applied.length, 1),
		);
		deps.logger.info(
			{
				step: "apply",
				outcome: "processed",
				correlation_id: event.correlation_id,
				event_id: event.id,
				event_type: event.type,
				customer_id: customerId,
				user_hash: userHash(customerId),
				rules_us: micros,
				batch_ms: outcome.batchMs,
				// The step's latency: the transaction that applied this event (and its batch).
				latency_ms: outcome.batchMs,
				stale: own?.details.stale,
				crm_sync: own?.details.crm_sync,
				tickets: decision.patch.ticketsToOpen.length,
				alerts: decision.alerts.length,
			},
			"event applied",
		);
	}
	for (const { event, error } of outcome.failed) {
		deps.metrics.eventsApplied.inc({ type: event.type, outcome: "failed" });
		deps.logger.error(
			{
				step: "apply",
				outcome: "failed",
				correlation_id: event.correlation_id,
				event_id: event.id,
				event_type: event.type,
				attempt: event.attempts + 1,
				err: describeError(error),
			},
			"event failed; will retry",
		);
	}
}
