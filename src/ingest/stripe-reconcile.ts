/**
 * Reconcile: the Stripe events Plumb may have missed, read from Stripe's List Events and accepted
 * exactly as a webhook would be (stripe-accept.ts), so each is stored once by its id and nothing
 * happens twice. First the undelivered ones (`delivery_success=false`: webhooks still failing, or
 * given up on after Stripe's 3 days of retries; on the first run as far back as Stripe keeps events,
 * 30 days), then everything since the newest event the last run saw (a checkpoint row). Lists are
 * newest first and paged with `starting_after`.
 */
import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { AppError } from "../core/index.ts";
import type { Logger, Metrics } from "../observability/index.ts";
import {
	claimSyncCheckpoint,
	type Db,
	releaseSyncCheckpoint,
	saveSyncCheckpoint,
} from "../store/index.ts";
import { isSubscribedEventType, type StripeApi } from "../stripe/index.ts";
import { acceptStripeEvent } from "./stripe-accept.ts";

const CHECKPOINT = "stripe:reconcile";
const DAY_S = 86_400;
/** Stripe's List Events reaches back 30 days. */
const STRIPE_EVENT_RETENTION_S = 30 * DAY_S;
/** With no checkpoint and no --since: Stripe retries a webhook for 3 days, so 3 days covers its gaps. */
const FIRST_RUN_S = 3 * DAY_S;
/** Re-read a little before the checkpoint: a list can show an event a moment after newer ones. */
const OVERLAP_S = 10 * 60;
const PAGE = 100;

export interface StripeReconcileDeps {
	db: Db;
	metrics: Metrics;
	logger: Logger;
	api: StripeApi;
	now: () => number;
}

export interface ReconcileProgress {
	phase: "undelivered" | "recent";
	fetched: number;
	/** 0…1 through the time range of the "recent" phase (lists run newest → oldest). */
	fraction: number;
}

export interface ReconcileSummary {
	fetched: number;
	/** Of `fetched`, listed as not delivered to every endpoint. */
	undelivered: number;
	stored: number;
	alreadyKnown: number;
	/** Event types Plumb does not subscribe to (SUBSCRIBED_EVENT_TYPES): not stored. */
	otherTypes: number;
	/** Events that are not a storable Stripe event (stored nowhere, logged). */
	refused: number;
	/** Requests sent to Stripe, retries included. */
	requests: number;
	/** The oldest `created` (seconds) the "recent" phase read from. */
	sinceS: number;
}

export type ReconcileResult =
	| { ran: true; summary: ReconcileSummary }
	| { ran: false; reason: "busy" };

export async function reconcileStripe(
	deps: StripeReconcileDeps,
	options: {
		/** Read from here (ms) in both phases instead of the checkpoint and the defaults. */
		sinceMs?: number | undefined;
		onProgress?: (progress: ReconcileProgress) => void;
		/** How long the run may hold the checkpoint's lease; default 30 min. */
		leaseMs?: number;
		/** Stops the run between pages (the checkpoint stays where it was). */
		signal?: AbortSignal;
	} = {},
): Promise<ReconcileResult> {
	const position = await claimSyncCheckpoint(
		deps.db,
		CHECKPOINT,
		options.leaseMs ?? 30 * 60_000,
	);
	if (position === undefined) {
		deps.metrics.stripeReconcileRuns.inc({ outcome: "busy" });
		return { ran: false, reason: "busy" };
	}
	const requestsBefore = deps.api.requests();
	const nowS = Math.floor(deps.now() / 1000);
	const sinceS =
		options.sinceMs === undefined
			? undefined
			: Math.floor(options.sinceMs / 1000);
	const checkpointS =
		typeof position.created === "number" ? position.created : undefined;
	const recentSince =
		sinceS ??
		(checkpointS === undefined ? nowS - FIRST_RUN_S : checkpointS - OVERLAP_S);
	const summary: ReconcileSummary = {
		fetched: 0,
		undelivered: 0,
		stored: 0,
		alreadyKnown: 0,
		otherTypes: 0,
		refused: 0,
		requests: 0,
		sinceS: recentSince,
	};
	const correlationId = `reconcile-${randomUUID()}`;
	const log = deps.logger.child({ correlation_id: correlationId });
	let newest = checkpointS ?? 0;
	// The second list repeats undelivered events the first one took: count each event once.
	const undeliveredIds = new Set<string>();
	const take = async (event: Stripe.Event) => {
		summary.fetched += 1;
		newest = Math.max(newest, event.created);
		if (!isSubscribedEventType(event.type)) {
			summary.otherTypes += 1;
			deps.metrics.stripeReconcileEvents.inc({ outcome: "other_type" });
			return;
		}
		try {
			const accepted = await acceptStripeEvent(
				deps,
				event,
				JSON.stringify(event),
				{ correlationId, log, via: "reconcile" },
			);
			if (accepted.duplicate) summary.alreadyKnown += 1;
			else summary.stored += 1;
			deps.metrics.stripeReconcileEvents.inc({
				outcome: accepted.duplicate ? "known" : "stored",
			});
		} catch (error) {
			if (!(error instanceof AppError)) throw error;
			summary.refused += 1;
			deps.metrics.stripeReconcileEvents.inc({ outcome: "refused" });
			log.warn(
				{
					step: "reconcile",
					source: "stripe",
					stripe_event: event.id,
					outcome: "refused",
					err: { message: error.message },
				},
				"stripe event from the API refused",
			);
		}
	};
	try {
		await eachEvent(
			deps.api,
			options.signal,
			{
				delivery_success: false,
				// After the first run every older event has been read once already.
				created: {
					gte:
						sinceS ??
						(checkpointS === undefined
							? nowS - STRIPE_EVENT_RETENTION_S
							: recentSince),
				},
			},
			async (event) => {
				summary.undelivered += 1;
				undeliveredIds.add(event.id);
				await take(event);
				options.onProgress?.({
					phase: "undelivered",
					fetched: summary.fetched,
					fraction: 0,
				});
			},
		);
		await eachEvent(
			deps.api,
			options.signal,
			{ created: { gte: recentSince } },
			async (event) => {
				await take(event);
				options.onProgress?.({
					phase: "recent",
					fetched: summary.fetched,
					fraction: Math.min(
						1,
						Math.max(
							0,
							(nowS - event.created) / Math.max(1, nowS - recentSince),
						),
					),
				});
			},
		);
	} catch (error) {
		deps.metrics.stripeReconcileRuns.inc({ outcome: "failed" });
		await releaseSyncCheckpoint(deps.db, CHECKPOINT).catch(() => undefined);
		throw error;
	}
	summary.requests = deps.api.requests() - requestsBefore;
	await saveSyncCheckpoint(
		deps.db,
		CHECKPOINT,
		newest > 0 ? { created: newest } : position,
		{ release: true },
	);
	deps.metrics.stripeReconcileRuns.inc({ outcome: "done" });
	log.info(
		{ step: "reconcile", source: "stripe", outcome: "done", ...summary },
		"stripe reconcile finished",
	);
	return { ran: true, summary };
}

/** Every event of the list, page by page (newest page first; within a page, together). */
async function eachEvent(
	api: StripeApi,
	signal: AbortSignal | undefined,
	params: Stripe.EventListParams,
	visit: (event: Stripe.Event) => Promise<void>,
): Promise<void> {
	let startingAfter: string | undefined;
	for (;;) {
		signal?.throwIfAborted();
		const page = await api.call("list events", "eventsRead", (sdk) =>
			sdk.events.list({
				...params,
				limit: PAGE,
				...(startingAfter ? { starting_after: startingAfter } : {}),
			}),
		);
		// A page at once: the events table's group commit stores it in one or two statements.
		await Promise.all(page.data.map(visit));
		const last = page.data.at(-1);
		if (!page.has_more || last === undefined) return;
		startingAfter = last.id;
	}
}
