/**
 * The delivery worker: claims due deliveries within each destination's limits, runs them, settles
 * them (fenced), takes back expired leases, and sleeps until new work, the next due time or a free
 * slot. Any number of workers, in any number of processes, share one database.
 */
import { setMaxListeners } from "node:events";
import {
	type Connector,
	DESTINATIONS,
	type Destination,
} from "../../core/index.ts";
import type { Logger, Metrics } from "../../observability/index.ts";
import {
	type ClaimedDelivery,
	claimWithinSharedRates,
	type Db,
	nextDueInMs,
	pauseSharedRate,
	type SharedRate,
	sleep,
	type Wakeup,
} from "../../store/index.ts";
import { type PassResult, retryConflicts, startLoop } from "../loop.ts";
import {
	messageOf,
	releasedRow,
	runAttempt,
	runBatchAttempt,
} from "./attempt.ts";
import { type CallShape, DestinationLimits } from "./limits.ts";
import { ReadyQueue } from "./ready-queue.ts";
import { recoverLeases } from "./recovery.ts";
import type { DeliveryWorkerSettings } from "./settings.ts";
import { Settler } from "./settle.ts";

/** The NOTIFY channel the deliveries trigger signals (0003_deliveries.sql). */
export const DELIVERIES_CHANNEL = "plumb_deliveries";

/** Named moments an observer may watch (the crash tests kill the process at them). */
export type WorkerStep = "claimed" | "delivered" | "settled";

export interface DeliveryWorkerDeps {
	db: Db;
	logger: Logger;
	metrics: Metrics;
	wakeup: Wakeup;
	/** Destinations without a connector are "not configured": their deliveries become `skipped`. */
	connectors: Partial<Record<Destination, Connector>>;
	settings: DeliveryWorkerSettings;
	/** For dashboard links in CRM snapshots and alerts. */
	publicUrl: string;
	scrub?: (text: string) => string;
	now?: () => number;
	random?: () => number;
	/** Observer of named steps; production passes none. */
	onStep?: (step: WorkerStep, ids: readonly string[]) => void;
}

export interface DeliveryWorker {
	/**
	 * Stops claiming, lets calls in flight finish within `settings.drainMs`, then aborts the rest and
	 * releases them (back to `retry_pending`, due now), and writes every result before resolving.
	 */
	stop(): Promise<void>;
}

export function startDeliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
	const now = deps.now ?? Date.now;
	const { settings, db, logger } = deps;
	const limits = new DestinationLimits(
		settings.limits,
		now,
		callShapes(deps.connectors),
	);
	// Configured, rate-limited destinations: their claims spend the buckets every process shares.
	const sharedRates: Partial<Record<Destination, SharedRate>> = {};
	for (const destination of DESTINATIONS) {
		const rate = limits.sharedRate(destination);
		if (rate !== undefined && deps.connectors[destination] !== undefined)
			sharedRates[destination] = rate;
	}
	const settler = new Settler({
		db,
		logger,
		metrics: deps.metrics,
		publicUrl: deps.publicUrl,
		now,
		onSettled: (ids) => {
			deps.onStep?.("settled", ids);
			kick(); // a worker that paused claiming for a long settle backlog resumes
		},
	});
	const stopCalls = new AbortController();
	// Every call in flight listens to this signal: more than Node's default of 10.
	setMaxListeners(settings.concurrency * 2 + 16, stopCalls.signal);
	const inFlight = new Map<string, Promise<void>>();
	const ready = new ReadyQueue(
		settings.concurrency,
		limits,
		(destination) => deps.connectors[destination] !== undefined,
	);
	let nextRecoveryAt = 0;

	/** Starts what may start: a free slot, and the destination's own limits. */
	const dispatch = () => {
		for (
			let call = ready.next(inFlight.size);
			call.length > 0;
			call = ready.next(inFlight.size)
		)
			start(
				call.map((item) => item.delivery),
				Math.min(...call.map((item) => item.leaseDeadline)),
			);
	};

	/** Hands claimed, unsent deliveries back (fenced like any settle), due again after `delayMs`. */
	const release = (
		which: (delivery: ClaimedDelivery) => boolean,
		delayMs: number,
		error: string,
	) => {
		for (const delivery of ready.take(which))
			void settler.submit({
				delivery,
				outcome: undefined,
				row: releasedRow(delivery, delayMs, error, now()),
			});
	};

	/** One call: a delivery, or a batch of one destination's deliveries when its connector takes them. */
	const start = (
		deliveries: readonly ClaimedDelivery[],
		leaseDeadline: number,
	) => {
		const [first] = deliveries;
		if (first === undefined) return;
		const destination = first.destination;
		const connector = deps.connectors[destination];
		const key = `${first.id}:${first.attempts}`;
		if (connector) limits.acquire(destination);
		const context = {
			db,
			connector,
			settings,
			publicUrl: deps.publicUrl,
			scrub: deps.scrub ?? ((text: string) => text),
			now,
			random: deps.random ?? Math.random,
			stopCalls: stopCalls.signal,
			leaseDeadline,
		};
		const run = (async () => {
			const results =
				connector?.batch !== undefined
					? await runBatchAttempt(deliveries, connector.batch, context)
					: await Promise.all(
							deliveries.map((delivery) => runAttempt(delivery, context)),
						);
			if (connector) limits.release(destination);
			// A 429 (for the call, or for any contact in it) pauses the destination once, for the longest wait asked.
			const pauses = results.flatMap(({ outcome }) =>
				outcome?.kind === "retry" && outcome.rateLimited
					? [outcome.afterMs ?? settings.backoffBaseMs]
					: [],
			);
			if (pauses.length > 0) {
				const pauseMs = Math.max(...pauses);
				limits.pause(destination, pauseMs);
				// Every other process pauses too: the 429 was for the vendor account, not for us alone.
				if (sharedRates[destination] !== undefined)
					void pauseSharedRate(db, destination, pauseMs).catch(
						(error: unknown) =>
							logger.warn(
								{
									step: "deliver",
									destination,
									err: { message: messageOf(error) },
								},
								"could not share a 429 pause with the other workers",
							),
					);
				deps.metrics.destinationPauses.inc({ destination });
				release(
					(d) => d.destination === destination,
					pauseMs,
					`not sent: ${destination} answered 429, paused for ${pauseMs} ms`,
				);
			}
			for (const { row } of results)
				if (stopCalls.signal.aborted && row.status !== "succeeded") {
					// Cut short by shutdown: not the vendor's verdict, so no budget spent; due again at once.
					Object.assign(row, {
						status: "retry_pending",
						outcome: "retry",
						permanent: false,
						delayMs: 0,
						error: `released at shutdown: ${row.error ?? "the call did not finish in time"}`,
					});
				}
			deps.onStep?.(
				"delivered",
				deliveries.map((d) => d.id),
			);
			inFlight.delete(key);
			dispatch();
			kick();
			await Promise.all(
				results.map(({ row, outcome }, index) =>
					settler.submit({
						row,
						delivery: deliveries[index] as ClaimedDelivery,
						outcome,
					}),
				),
			);
		})().catch((error: unknown) => {
			// The attempt functions do not throw; should they, the leases expire and another attempt follows.
			inFlight.delete(key);
			logger.error(
				{
					step: "deliver",
					delivery_ids: deliveries.map((d) => d.id),
					err: { message: messageOf(error) },
				},
				"attempt crashed",
			);
		});
		inFlight.set(key, run);
	};

	/** One pass: take back expired leases when due, claim what may start, start it. */
	const tick = async (stopping: AbortSignal): Promise<PassResult> => {
		if (now() >= nextRecoveryAt) {
			// Every half lease, so an expired lease is taken back within 1.5 × lease of its claim.
			nextRecoveryAt = now() + settings.leaseMs / 2;
			await recoverLeases({
				db,
				logger,
				metrics: deps.metrics,
				horizonMs: settings.horizonMs,
				publicUrl: deps.publicUrl,
			});
		}
		// A long settle backlog (a slow database) pauses claiming until it is written.
		const { caps, room } =
			settler.backlog > settings.concurrency * 4
				? { caps: [], room: 0 }
				: ready.capacity(inFlight.size);
		const asked = Math.min(
			room,
			caps.reduce((sum, cap) => sum + cap.limit, 0),
		);
		const {
			claimed,
			blocked,
			asked: paidFor,
		} = await retryConflicts(() =>
			claimWithinSharedRates(db, caps, sharedRates, settings.leaseMs, asked),
		);
		if (claimed.length > 0)
			deps.onStep?.(
				"claimed",
				claimed.map((d) => d.id),
			);
		for (const delivery of claimed)
			ready.push({ delivery, leaseDeadline: now() + settings.leaseMs });
		dispatch();
		if (stopping.aborted) return "more"; // the loop ends here
		if (paidFor > 0 && claimed.length === paidFor) {
			// There may be more. Let quick calls finish first, so the next claim is a batch, not a trickle.
			await new Promise((resolve) => setImmediate(resolve));
			return "more";
		}
		const waits = [settings.pollMs, nextRecoveryAt - now()];
		for (const destination of DESTINATIONS) {
			const ms = limits.waitMs(destination);
			if (ms !== undefined) waits.push(ms);
		}
		// A destination whose shared bucket is empty waits for its next token, not for its due rows.
		waits.push(...blocked.values());
		const due = await nextDueInMs(
			db,
			caps
				.map((cap) => cap.destination)
				.filter((destination) => !blocked.has(destination)),
		);
		// Due rows we did not get are held by another worker's claim: look again shortly.
		if (due !== null)
			waits.push(Math.max(due, claimed.length < paidFor ? 10 : 0));
		return { idleMs: Math.min(...waits) };
	};

	const loop = startLoop({
		name: "delivery worker",
		step: "deliver",
		pass: tick,
		listen: { wakeup: deps.wakeup, channel: DELIVERIES_CHANNEL },
		// Every failed pass backs off as for a lost database, logged as `deliver` / `worker_error`
		// (the fault table in docs/operating.md); a claim's conflicts are retried within the pass.
		classify: () => "unavailable",
		unavailableOutcome: "worker_error",
		logger,
		now,
	});
	/** A call finished or a result was written: a slot may be free, so stop idling. */
	function kick() {
		loop.wake();
	}

	return {
		async stop() {
			await loop.stop();
			release(() => true, 0, "released at shutdown before it was sent");
			// The grace timers are cancelled once the calls finish: a pending one would keep the
			// process alive for the whole grace after an idle or quick stop.
			const graceOver = new AbortController();
			const drained = await Promise.race([
				Promise.all(inFlight.values()).then(() => true),
				sleep(settings.drainMs, graceOver.signal).then(() => false),
			]);
			graceOver.abort();
			if (!drained) {
				logger.warn(
					{ step: "shutdown", in_flight: inFlight.size },
					"drain timeout: aborting deliveries in flight and releasing them",
				);
				stopCalls.abort();
				// Attempts are bounded by their own race on the abort, so this settles promptly.
				const abortOver = new AbortController();
				await Promise.race([
					Promise.all(inFlight.values()),
					sleep(1_000, abortOver.signal),
				]);
				abortOver.abort();
			}
			await settler.close(now() + settings.drainMs);
		},
	};
}

/** Destinations whose connector takes batches: deliveries per call and vendor requests per call. */
function callShapes(
	connectors: Partial<Record<Destination, Connector>>,
): Partial<Record<Destination, CallShape>> {
	const shapes: Partial<Record<Destination, CallShape>> = {};
	for (const destination of DESTINATIONS) {
		const batch = connectors[destination]?.batch;
		if (batch !== undefined)
			shapes[destination] = {
				maxSize: Math.max(1, batch.maxSize),
				requestsPerCall: Math.max(1, batch.requestsPerCall),
			};
	}
	return shapes;
}
