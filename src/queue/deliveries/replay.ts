/**
 * Replays, audited in plumb.interventions: one delivery (dashboard, `plumb replay <id>`) or every dead
 * one (`plumb replay --dead`). A replay requeues with a fresh retry budget; `attempts` keeps growing.
 */
import type { DeliveryStatus } from "../../core/index.ts";
import {
	addInterventionAffected,
	type BulkReplayStatus,
	countReplayable,
	type Db,
	lockDeliveryForReplay,
	lockReplayPage,
	type ReplayTarget,
	recordIntervention,
	requeueDeliveries,
} from "../../store/index.ts";
import {
	skipSuperseded,
	supersededSyncs,
	withCrmSyncRetry,
} from "../crm-sync-policy.ts";

export interface ReplayRequest {
	id: string;
	/** Who asked: `admin-api`, `cli:<user>@<host>` … */
	actor: string;
	reason: string;
	/** Deliver a succeeded delivery again (same idempotency key, so vendors that dedupe still do). */
	force: boolean;
}

export interface ReplayResult {
	/** True when the delivery changed (requeued, or superseded by a sync already waiting). */
	changed: boolean;
	/** Its status after the replay. */
	status: DeliveryStatus;
	message: string;
}

/** Undefined when no delivery has that id. */
export async function replayDelivery(
	db: Db,
	request: ReplayRequest,
): Promise<ReplayResult | undefined> {
	return withCrmSyncRetry(() =>
		db.transaction(async (tx) => {
			const target = await lockDeliveryForReplay(tx, request.id);
			if (target === undefined) return undefined;
			const refusal = refuse(target, request.force);
			if (refusal) return refusal;
			const superseded = await supersededSyncs(tx, [candidate(target)]);
			const newer = superseded.get(target.id);
			let result: ReplayResult;
			if (newer !== undefined) {
				if (target.status !== "dead" && target.status !== "skipped")
					return unchanged(
						target,
						`${newer} is already queued for this customer and pushes the current state.`,
					);
				await skipSuperseded(tx, superseded);
				result = {
					changed: true,
					status: "skipped",
					message: `Superseded by ${newer}, already queued for this customer: it pushes the current state.`,
				};
			} else {
				await requeueDeliveries(tx, [target.id], [target.status]);
				result = {
					changed: true,
					status: "pending",
					message: `Requeued (was ${target.status}); it runs with a fresh retry budget.`,
				};
			}
			await recordIntervention(tx, {
				kind: "replay",
				actor: request.actor,
				reason: request.reason,
				target: {
					delivery_id: target.id,
					previous_status: target.status,
					force: request.force,
				},
				affected: 1,
			});
			return result;
		}),
	);
}

function refuse(
	target: ReplayTarget,
	force: boolean,
): ReplayResult | undefined {
	if (target.status === "running")
		return unchanged(
			target,
			"It is running now; wait for this attempt's result.",
		);
	if (target.status === "pending")
		return unchanged(target, "It is already queued.");
	if (target.status === "succeeded" && !force)
		return unchanged(
			target,
			"It already succeeded; replay it with force to deliver it again.",
		);
	return undefined;
}

function unchanged(target: ReplayTarget, message: string): ReplayResult {
	return { changed: false, status: target.status, message };
}

function candidate(target: ReplayTarget) {
	return {
		id: target.id,
		action: target.action,
		customerId: target.customer_id,
	};
}

export interface BulkReplayRequest {
	actor: string;
	reason: string;
	destination: string | null;
	/** Which deliveries: dead (the default) or skipped. */
	status?: BulkReplayStatus;
	pageSize?: number;
	onProgress?: (progress: BulkReplayProgress) => void;
}

export interface BulkReplayProgress {
	/** Deliveries matching the filter when the run started. */
	total: number;
	/** Looked at so far by this run (another run may take some: they are its to requeue). */
	seen: number;
	requeued: number;
	superseded: number;
}

/**
 * Requeues every dead (or skipped) delivery, optionally of one destination, page by page, each page in its own
 * transaction under SKIP LOCKED: two runs at once split the work and requeue each delivery once.
 * The run is one intervention whose `affected` grows with each page; with nothing dead there is
 * nothing to do, and nothing is recorded (`interventionId` null).
 */
export async function replayDead(
	db: Db,
	request: BulkReplayRequest,
): Promise<BulkReplayProgress & { interventionId: string | null }> {
	const status = request.status ?? "dead";
	const progress: BulkReplayProgress = {
		total: await countReplayable(db, {
			status,
			destination: request.destination,
		}),
		seen: 0,
		requeued: 0,
		superseded: 0,
	};
	if (progress.total === 0) return { ...progress, interventionId: null };
	const interventionId = await recordIntervention(db, {
		kind: status === "dead" ? "replay_dead" : "replay_skipped",
		actor: request.actor,
		reason: request.reason,
		target: { status, destination: request.destination },
		affected: 0,
	});
	let after: string | null = null;
	for (;;) {
		const cursor: string | null = after;
		const page = await withCrmSyncRetry(() =>
			db.transaction(async (tx) => {
				const rows = await lockReplayPage(tx, {
					status,
					destination: request.destination,
					after: cursor,
					limit: request.pageSize ?? 100,
				});
				// CRM syncs: one per customer goes back to wait (the newest), unless one is waiting already.
				const plan = await supersededSyncs(tx, rows.map(candidate));
				const requeued = await requeueDeliveries(
					tx,
					rows.filter((row) => !plan.has(row.id)).map((row) => row.id),
					[status],
				);
				const superseded = await skipSuperseded(tx, plan);
				await addInterventionAffected(
					tx,
					interventionId,
					requeued.length + superseded.length,
				);
				return {
					rows,
					requeued: requeued.length,
					superseded: superseded.length,
				};
			}),
		);
		if (page.rows.length === 0) break;
		after = page.rows.at(-1)?.id ?? null;
		progress.seen += page.rows.length;
		progress.requeued += page.requeued;
		progress.superseded += page.superseded;
		request.onProgress?.({ ...progress });
	}
	return { ...progress, interventionId };
}
