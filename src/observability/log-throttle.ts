/**
 * Keeps a repeating warning (the database is down, every loop says so) to one line per interval:
 * the first at once, then at most one per `intervalMs`, each saying how many it stood for.
 */
export type LogThrottle = (write: (suppressed: number) => void) => void;

export function logThrottle(
	intervalMs = 10_000,
	now: () => number = Date.now,
): LogThrottle {
	let lastAt = Number.NEGATIVE_INFINITY;
	let suppressed = 0;
	return (write) => {
		if (now() - lastAt < intervalMs) {
			suppressed++;
			return;
		}
		lastAt = now();
		write(suppressed);
		suppressed = 0;
	};
}
