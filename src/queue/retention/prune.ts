/**
 * One prune run (`plumb prune`, and the worker every PLUMB_PRUNE_EVERY): removes what retention says
 * has been kept long enough, batch by batch. A lease in plumb.sync_checkpoints lets one process at a
 * time run it; the run stops at its time budget, well inside the lease, and the next run goes on.
 */
import type { Logger, Metrics } from "../../observability/index.ts";
import {
	claimSyncCheckpoint,
	type Db,
	deleteExpiredAdminSessions,
	type PrunedRows,
	pruneBatch,
	releaseSyncCheckpoint,
	saveSyncCheckpoint,
} from "../../store/index.ts";

/** What retention keeps (undefined = forever), in ms; sessions end by the dashboard's idle timeout. */
export interface PruneSettings {
	readonly payloadsMs: number | undefined;
	readonly attemptsMs: number | undefined;
	readonly alertsMs: number | undefined;
	readonly sessionIdleMs: number;
}

export interface PruneDeps {
	db: Db;
	logger: Logger;
	metrics?: Metrics | undefined;
	/** ms since the epoch: the retention cut-offs are measured from here. */
	now: () => number;
}

export const PRUNE_KINDS = [
	"payloads",
	"attempts",
	"sessions",
	"alerts",
	"buckets",
] as const;
export type PruneKind = (typeof PRUNE_KINDS)[number];

/** A count per kind, all zero. */
export function noneRemoved(): Record<PruneKind, number> {
	return { payloads: 0, attempts: 0, sessions: 0, alerts: 0, buckets: 0 };
}

export interface PruneSummary {
	removed: Record<PruneKind, number>;
	/** False when the run stopped at its time budget with rows left: the next run continues. */
	finished: boolean;
	ms: number;
}

export type PruneResult = { ran: false } | { ran: true; summary: PruneSummary };

const CHECKPOINT = "prune";
/** Rows per statement: each commits in milliseconds, so no hot table waits on a prune. */
export const PRUNE_BATCH = 1_000;
const LEASE_MS = 10 * 60_000;
/** A caller's rate bucket is full a minute after its last request; a day idle and it is forgotten. */
const IDLE_BUCKET_MS = 24 * 60 * 60_000;
/** Well inside the lease, so a run never outlives it and two runs never overlap. */
const BUDGET_MS = 5 * 60_000;

/** Runs one prune; `{ ran: false }` when another process holds the lease. */
export async function prune(
	deps: PruneDeps,
	settings: PruneSettings,
	options: {
		signal?: AbortSignal | undefined;
		batchSize?: number | undefined;
		budgetMs?: number | undefined;
	} = {},
): Promise<PruneResult> {
	const { db, logger, metrics } = deps;
	const position = await claimSyncCheckpoint(db, CHECKPOINT, LEASE_MS);
	if (position === undefined) {
		metrics?.pruneRuns.inc({ outcome: "busy" });
		return { ran: false };
	}
	const started = performance.now();
	const batch = options.batchSize ?? PRUNE_BATCH;
	const budget = options.budgetMs ?? BUDGET_MS;
	const removed = noneRemoved();
	const nowMs = deps.now();
	const keep: Array<[PrunedRows, number | undefined]> = [
		["payloads", settings.payloadsMs],
		["attempts", settings.attemptsMs],
		["alerts", settings.alertsMs],
		["buckets", IDLE_BUCKET_MS],
	];
	const outOfTime = () =>
		options.signal?.aborted === true || performance.now() - started > budget;
	let finished = true;
	try {
		removed.sessions = await deleteExpiredAdminSessions(
			db,
			settings.sessionIdleMs,
		);
		metrics?.prunedRows.inc({ kind: "sessions" }, removed.sessions);
		for (const [kind, keepMs] of keep) {
			if (keepMs === undefined) continue;
			const before = new Date(nowMs - keepMs);
			for (;;) {
				if (outOfTime()) {
					finished = false;
					break;
				}
				const n = await pruneBatch(db, kind, before, batch);
				removed[kind] += n;
				metrics?.prunedRows.inc({ kind }, n);
				if (n < batch) break;
			}
		}
	} catch (error) {
		metrics?.pruneRuns.inc({ outcome: "failed" });
		await releaseSyncCheckpoint(db, CHECKPOINT).catch(() => undefined);
		throw error;
	}
	const ms = Math.round(performance.now() - started);
	await saveSyncCheckpoint(
		db,
		CHECKPOINT,
		{ last_run_at: new Date(nowMs).toISOString(), removed, finished, ms },
		{ release: true },
	);
	metrics?.pruneRuns.inc({ outcome: finished ? "done" : "partial" });
	logger.info(
		{ step: "prune", outcome: finished ? "done" : "partial", removed, ms },
		finished
			? "prune done"
			: "prune stopped at its time budget; the next run continues",
	);
	return { ran: true, summary: { removed, finished, ms } };
}
