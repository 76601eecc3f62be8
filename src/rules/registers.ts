/**
 * Registers: how one owned field keeps its value when events arrive twice, late or in any order.
 *
 * Each field is a register holding a value and the provider time it is true as of. Merging two
 * observations keeps the greater one under a total order — (time, precedence, value) — so merging is
 * commutative, associative and idempotent: the result depends on the set of events seen, never on
 * their order or on duplicates. Applying events one by one in provider-time order gives the same
 * result, which is what "the state implied by provider time" means.
 *
 * Same-second ties (Stripe's `created` has 1-second resolution) are broken by precedence (e.g.
 * `canceled` beats `active` beats `trialing`), then by the value itself: arbitrary, but the same in
 * every order and on every worker.
 */

export interface Register<T> {
	value: T;
	at: Date;
}

/** Precedence among values of one field at the same instant; higher wins. */
export type Precedence<T> = (value: T) => number;

const noPrecedence = () => 0;

/** Stable text of a value, for the final tie-break. */
function keyOf(value: unknown): string {
	return typeof value === "string" ? value : JSON.stringify(value);
}

/** -1, 0 or 1: which observation is later under (time, precedence, value). */
export function compareObservations<T>(
	a: Register<T>,
	b: Register<T>,
	precedence: Precedence<T> = noPrecedence,
): number {
	const byTime = a.at.getTime() - b.at.getTime();
	if (byTime !== 0) return Math.sign(byTime);
	const byPrecedence = precedence(a.value) - precedence(b.value);
	if (byPrecedence !== 0) return Math.sign(byPrecedence);
	const ka = keyOf(a.value);
	const kb = keyOf(b.value);
	return ka === kb ? 0 : ka > kb ? 1 : -1;
}

/** The later of two observations (last writer wins, by provider time). */
export function latest<T>(
	a: Register<T> | undefined,
	b: Register<T> | undefined,
	precedence?: Precedence<T>,
): Register<T> | undefined {
	if (!a) return b;
	if (!b) return a;
	return compareObservations(a, b, precedence) >= 0 ? a : b;
}

/** The earlier of two observations (first touch wins, by provider time). */
export function earliest<T>(
	a: Register<T> | undefined,
	b: Register<T> | undefined,
): Register<T> | undefined {
	if (!a) return b;
	if (!b) return a;
	// Reverse time, but keep the value tie-break in the same direction so equal instants stay deterministic.
	const byTime = a.at.getTime() - b.at.getTime();
	if (byTime !== 0) return byTime < 0 ? a : b;
	return compareObservations(a, b) >= 0 ? a : b;
}

/** The greater of two values on a forward-only scale (lifecycle stage, payment status). */
export function highest<T>(
	a: T | undefined,
	b: T | undefined,
	rank: (value: T) => number,
): T | undefined {
	if (a === undefined) return b;
	if (b === undefined) return a;
	const byRank = rank(a) - rank(b);
	if (byRank !== 0) return byRank > 0 ? a : b;
	return keyOf(a) >= keyOf(b) ? a : b;
}

export function maxDate(
	a: Date | undefined,
	b: Date | undefined,
): Date | undefined {
	if (!a) return b;
	if (!b) return a;
	return a.getTime() >= b.getTime() ? a : b;
}

export function minDate(
	a: Date | undefined,
	b: Date | undefined,
): Date | undefined {
	if (!a) return b;
	if (!b) return a;
	return a.getTime() <= b.getTime() ? a : b;
}

/** A register for a value that may be absent in this observation. */
export function observed<T>(
	value: T | undefined,
	at: Date,
): Register<T> | undefined {
	return value === undefined ? undefined : { value, at };
}
