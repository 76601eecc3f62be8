/**
 * Billing escalation (PRODUCT §5): the 2nd failed payment within 30 days raises one alert and one
 * `billing_issue` ticket, never on the 1st, never twice for one episode.
 *
 * A "2nd failure" is a failed attempt with a *partner*: another attempt (a different reference) at
 * least ATTEMPT_GAP and at most 30 days away. The gap matters because Stripe reports one failed
 * invoice payment as both `invoice.payment_failed` and `payment_intent.payment_failed`, and current
 * API versions no longer link the two objects: two reports seconds apart are one failure.
 *
 * Adding failures can only add partners, never remove one, so whether a customer escalated depends
 * only on the set of failures seen, not on the order they arrived in (the property test checks it).
 */

export const ATTEMPT_GAP_MS = 10 * 60 * 1000;
export const EPISODE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * How far from an event its history can matter: an episode reaches 30 days back from a failure, and a
 * billing ticket within 30 days of the episode's first failure means it was handled, so nothing more
 * than 2 × 30 days away changes a decision. The worker loads failures and billing tickets this far
 * around a batch's events, and passes the rules the billing tickets opened within it.
 */
export const HISTORY_WINDOW_MS = 2 * EPISODE_WINDOW_MS;

export interface Failure {
	attemptRef: string;
	at: Date;
}

/**
 * When `current` has a partner, the date that names the episode: the earliest failure within 30 days
 * of it. Undefined for a lone failure (or reports of the same one).
 */
export function escalationEpisode(
	failures: readonly Failure[],
	current: Failure,
): Date | undefined {
	const t = current.at.getTime();
	const hasPartner = failures.some((f) => {
		const gap = Math.abs(f.at.getTime() - t);
		return (
			f.attemptRef !== current.attemptRef &&
			gap >= ATTEMPT_GAP_MS &&
			gap <= EPISODE_WINDOW_MS
		);
	});
	if (!hasPartner) return undefined;
	let first = t;
	for (const f of failures) {
		const time = f.at.getTime();
		if (Math.abs(time - t) <= EPISODE_WINDOW_MS && time < first) first = time;
	}
	return new Date(first);
}

/** One failed attempt reported twice keeps its earliest time, so the count never depends on arrival order. */
export function withFailure(
	failures: readonly Failure[],
	failure: Failure,
): Failure[] {
	const known = failures.find((f) => f.attemptRef === failure.attemptRef);
	if (!known)
		return [...failures, { attemptRef: failure.attemptRef, at: failure.at }];
	if (known.at.getTime() <= failure.at.getTime()) return [...failures];
	return failures.map((f) =>
		f === known ? { attemptRef: f.attemptRef, at: failure.at } : f,
	);
}
