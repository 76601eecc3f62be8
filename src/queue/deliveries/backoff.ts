/** Outcome → next state, and when: the only place connector outcomes become delivery states (pure). */
import type { DeliveryOutcome } from "../../core/index.ts";

/** A validation failure is tried this many times since the last replay, then the delivery is dead. */
export const PERMANENT_ATTEMPTS = 3;

export interface RetryPolicy {
	/** Transient failures retry for this long since the budget started (first try or last replay). */
	horizonMs: number;
	backoffBaseMs: number;
	backoffMaxMs: number;
}

/** Where a delivery's retry budget stands (renewed by a replay). */
export interface Budget {
	/** The fencing token of this attempt (all attempts ever). */
	attempts: number;
	/** `attempts` when the budget started, so `attempts - budgetAttempts` counts tries since then. */
	budgetAttempts: number;
	budgetStartedAt: Date;
	permanentFailures: number;
}

export type Transition =
	| { status: "succeeded"; externalRef: string | undefined }
	| {
			status: "retry_pending";
			delayMs: number;
			error: string;
			permanent: boolean;
	  }
	| { status: "dead"; error: string; permanent: boolean };

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * uniform in [0, min(max, base · 2^(try − 1))], so a fleet that failed together does not retry
 * together.
 */
export function backoffDelay(
	tryNumber: number,
	policy: Pick<RetryPolicy, "backoffBaseMs" | "backoffMaxMs">,
	random: () => number,
): number {
	const exponent = Math.min(Math.max(tryNumber - 1, 0), 40);
	const ceiling = Math.min(
		policy.backoffMaxMs,
		policy.backoffBaseMs * 2 ** exponent,
	);
	return Math.floor(random() * ceiling);
}

/**
 * ok → succeeded; retry → retry_pending after the vendor's Retry-After when it gave one, else the
 * jittered backoff, never past the horizon (dead once it has passed); permanent → retried with
 * backoff until the 3rd permanent failure since the budget started, then dead.
 */
export function nextState(
	outcome: DeliveryOutcome,
	budget: Budget,
	policy: RetryPolicy,
	nowMs: number,
	random: () => number,
): Transition {
	if (outcome.kind === "ok")
		return { status: "succeeded", externalRef: outcome.externalRef };
	const tries = budget.attempts - budget.budgetAttempts;
	const remainingMs =
		budget.budgetStartedAt.getTime() + policy.horizonMs - nowMs;
	if (outcome.kind === "permanent") {
		const failures = budget.permanentFailures + 1;
		if (failures >= PERMANENT_ATTEMPTS)
			return {
				status: "dead",
				permanent: true,
				// No count here: the delivery's `attempts` is the one count every view shows, and it
				// also holds tries before a replay or a retryable failure, so a second number would disagree.
				error: `permanent failure: ${outcome.reason}`,
			};
		return {
			status: "retry_pending",
			permanent: true,
			error: outcome.reason,
			delayMs: Math.max(
				0,
				Math.min(backoffDelay(tries, policy, random), remainingMs),
			),
		};
	}
	if (remainingMs <= 0)
		return {
			status: "dead",
			permanent: false,
			error: `gave up after ${describeMs(policy.horizonMs)} of retries: ${outcome.reason}`,
		};
	const wanted = outcome.afterMs ?? backoffDelay(tries, policy, random);
	return {
		status: "retry_pending",
		permanent: false,
		error: outcome.reason,
		// The last try lands on the horizon rather than beyond it.
		delayMs: Math.max(0, Math.min(wanted, remainingMs)),
	};
}

function describeMs(ms: number): string {
	if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
	if (ms % 60_000 === 0) return `${ms / 60_000} min`;
	if (ms % 1_000 === 0) return `${ms / 1_000} s`;
	return `${ms} ms`;
}
