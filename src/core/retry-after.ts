/** Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, turned into a capped wait in milliseconds. */

export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** Undefined when the header is absent or unreadable; never negative; never above `capMs`. */
export function parseRetryAfter(
	header: string | null | undefined,
	nowMs: number,
	capMs: number = MAX_RETRY_AFTER_MS,
): number | undefined {
	if (header === null || header === undefined) return undefined;
	const value = header.trim();
	if (value === "") return undefined;
	if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, capMs);
	// An HTTP-date always names a day and month; bare numbers such as "-5" are not dates here.
	if (!/[A-Za-z]/.test(value)) return undefined;
	const date = Date.parse(value);
	if (Number.isNaN(date)) return undefined;
	return Math.min(Math.max(date - nowMs, 0), capMs);
}
