/**
 * The one work loop behind the event worker, the delivery worker and the alert evaluator: run a
 * pass, idle until a wake-up (or a timeout) when it found nothing, back off when it failed, and stop
 * at once when idle or after the pass in flight. Also the retry of serialization failures and
 * deadlocks, which the loop and single statements share.
 */
import { type Logger, logThrottle } from "../observability/index.ts";
import {
	sleep as abortableSleep,
	isDatabaseUnavailable,
	RETRYABLE_SQLSTATES,
	ReconnectDelay,
	sqlState,
	type Wakeup,
} from "../store/index.ts";

/** What a pass found: maybe "more" (run again at once), or nothing for now (idle up to `idleMs`). */
export type PassResult = "more" | { idleMs: number };

/**
 * Why a pass failed. `unavailable`: the database is away, so nothing was done and nothing is charged.
 * `conflict`: a serialization failure or deadlock rolled it back. `fault`: anything else.
 */
export type PassFailure = "unavailable" | "conflict" | "fault";

export interface LoopOptions {
	/** Names the loop in its log messages ("event worker"). */
	name: string;
	/** The `step` field of its log lines. */
	step: string;
	/** One pass; `signal` aborts when `stop()` is called (the pass may finish its work or cut it short). */
	pass: (signal: AbortSignal) => Promise<PassResult>;
	/** Idle waits also end on a NOTIFY on `channel`. */
	listen?: { wakeup: Wakeup; channel: string } | undefined;
	/** Passes in flight at once, each with its own backoff; default 1. */
	concurrency?: number | undefined;
	/** An idle wait before the first pass. */
	startDelayMs?: number | undefined;
	/** The `outcome` logged while the database is away; default "database_unavailable". */
	unavailableOutcome?: string | undefined;
	/** Sorts a failed pass; default `passFailure`. */
	classify?: ((error: unknown) => PassFailure) | undefined;
	logger: Logger;
	now: () => number;
	/** Backoff pauses, and idle waits without `listen`; resolves early when `signal` aborts. */
	sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
	random?: (() => number) | undefined;
}

export interface Loop {
	/** Ends the idle waits in progress, so the next pass runs now. */
	wake(): void;
	/** Ends idle waits and backoff pauses at once, waits for the passes in flight, then resolves. */
	stop(): Promise<void>;
}

/** While the database is away, one warning per this many ms (the fault table in docs/operating.md promises it). */
const OUTAGE_LOG_INTERVAL_MS = 10_000;

export function startLoop(options: LoopOptions): Loop {
	const { logger, step, name } = options;
	const sleep = options.sleep ?? abortableSleep;
	const random = options.random ?? Math.random;
	const classify = options.classify ?? passFailure;
	const stopping = new AbortController();
	const idling = new Set<AbortController>();
	// One throttle for every runner: an outage is one story, not one per connection.
	const outage = logThrottle(OUTAGE_LOG_INTERVAL_MS, options.now);

	const idle = async (ms: number) => {
		const wake = new AbortController();
		const onStop = () => wake.abort();
		stopping.signal.addEventListener("abort", onStop, { once: true });
		idling.add(wake);
		try {
			const waitMs = Math.max(0, ms);
			await (options.listen
				? options.listen.wakeup.wait(
						options.listen.channel,
						waitMs,
						wake.signal,
					)
				: sleep(waitMs, wake.signal));
		} finally {
			idling.delete(wake);
			stopping.signal.removeEventListener("abort", onStop);
		}
	};

	const run = async () => {
		const reconnect = new ReconnectDelay({ random });
		let faultMs = 0;
		/** The pause after a failed pass, and its log line. */
		const pauseAfter = (error: unknown): number => {
			const err = describeError(error);
			switch (classify(error)) {
				case "unavailable": {
					const pauseMs = reconnect.next();
					outage((suppressed) =>
						logger.warn(
							{
								step,
								outcome: options.unavailableOutcome ?? "database_unavailable",
								attempt: reconnect.attempt,
								next_delay_ms: pauseMs,
								suppressed,
								err,
							},
							`${name} could not reach the database; retrying`,
						),
					);
					return pauseMs;
				}
				case "conflict":
					logger.debug(
						{ step, outcome: "conflict_retry", err },
						`${name} pass rolled back by a conflict; retrying`,
					);
					return conflictPauseMs(1, random);
				case "fault":
					faultMs = Math.min(Math.max(faultMs * 2, 250), 5_000);
					logger.error(
						{ step, outcome: "batch_error", err },
						`${name} pass failed; retrying`,
					);
					return faultMs;
			}
		};

		if (options.startDelayMs !== undefined) await idle(options.startDelayMs);
		while (!stopping.signal.aborted) {
			let result: PassResult;
			try {
				result = await options.pass(stopping.signal);
			} catch (error) {
				await sleep(pauseAfter(error), stopping.signal);
				continue;
			}
			faultMs = 0;
			if (reconnect.reset())
				logger.info(
					{ step, outcome: "worker_resumed" },
					`${name} reached the database again`,
				);
			if (result !== "more" && !stopping.signal.aborted)
				await idle(result.idleMs);
		}
	};

	const runners = Array.from({ length: options.concurrency ?? 1 }, run);
	return {
		wake() {
			for (const wake of idling) wake.abort();
		},
		async stop() {
			stopping.abort();
			await Promise.all(runners);
		},
	};
}

/** The default sort of a failed pass: by what `isDatabaseUnavailable` and the SQLSTATE say. */
export function passFailure(error: unknown): PassFailure {
	if (isDatabaseUnavailable(error)) return "unavailable";
	if (isConflict(error)) return "conflict";
	return "fault";
}

/** A serialization failure or a deadlock: the transaction rolled back and may simply run again. */
export function isConflict(error: unknown): boolean {
	return RETRYABLE_SQLSTATES.has(sqlState(error) ?? "");
}

/** Runs `fn` again (up to `tries` times in all) while it fails with a conflict, never surfacing one. */
export async function retryConflicts<T>(
	fn: () => Promise<T>,
	tries = 8,
): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await fn();
		} catch (error) {
			if (attempt >= tries || !isConflict(error)) throw error;
			await abortableSleep(conflictPauseMs(attempt, Math.random));
		}
	}
}

/** graphile/worker pauses 50 ms–5 s on 40001; contention here is brief, so stay short. */
function conflictPauseMs(attempt: number, random: () => number): number {
	return random() * Math.min(1_000, 20 * 2 ** attempt);
}

/** An error as the loops log it: its class, SQLSTATE and message. */
export function describeError(error: unknown): {
	type: string;
	code?: string | undefined;
	message: string;
} {
	if (error instanceof Error)
		return { type: error.name, code: sqlState(error), message: error.message };
	return { type: typeof error, message: String(error) };
}
