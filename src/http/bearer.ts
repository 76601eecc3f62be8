/** Constant-time bearer-token checks for the admin API and /metrics. */
import { createHash, timingSafeEqual } from "node:crypto";

/** Compares digests so neither the length nor the content of the secret leaks through timing. */
export function safeEqual(given: string, expected: string): boolean {
	const a = createHash("sha256").update(given).digest();
	const b = createHash("sha256").update(expected).digest();
	return timingSafeEqual(a, b);
}

export function bearerToken(header: string | undefined): string | undefined {
	const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
	return match?.[1];
}

/** True when the Authorization header carries one of the accepted tokens. */
export function hasBearer(
	header: string | undefined,
	accepted: readonly string[],
): boolean {
	const token = bearerToken(header);
	if (token === undefined) return false;
	let found = false;
	for (const candidate of accepted)
		found = safeEqual(token, candidate) || found;
	return found;
}
