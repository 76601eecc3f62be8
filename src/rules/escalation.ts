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
