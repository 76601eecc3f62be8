/**
 * `plumb doctor --url`: nothing between the caller and Plumb keeps or replays its answers. Plumb marks
 * every answer `Cache-Control: no-store` (http/no-store.ts); a CDN rule such as Cloudflare's "cache
 * everything" can still keep them, which shows as an `Age` header or `CF-Cache-Status: HIT` on the
 * second of two identical requests.
 */
import type { Check } from "./check.ts";
import { unreachableCheck } from "./instance.ts";

const TIMEOUT_MS = 10_000;
/** A public GET any cache would keep first; asked twice so a cache has a chance to answer. */
const PATH = "/healthz";
/** Cloudflare's statuses for an answer that came out of its cache instead of from Plumb. */
const FROM_CACHE = new Set(["HIT", "STALE", "UPDATING", "REVALIDATED"]);

/** The headers of one answer that tell whether a cache kept or served it. */
export interface CacheHeaders {
	cacheControl: string | null;
	age: string | null;
	cfCacheStatus: string | null;
}

export async function cachingChecks(url: string): Promise<Check[]> {
	const answers: CacheHeaders[] = [];
	try {
		// One after the other: the second must find whatever the first left in a cache.
		for (let i = 0; i < 2; i++) {
			const res = await fetch(`${url}${PATH}`, {
				signal: AbortSignal.timeout(TIMEOUT_MS),
			});
			await res.body?.cancel();
			answers.push({
				cacheControl: res.headers.get("cache-control"),
				age: res.headers.get("age"),
				cfCacheStatus: res.headers.get("cf-cache-status"),
			});
		}
	} catch (error) {
		return [unreachableCheck("Caching", url, error)];
	}
	return [cachingVerdict(answers)];
}

/** ✓ when every answer says no-store and none came out of a cache. */
export function cachingVerdict(answers: readonly CacheHeaders[]): Check {
	const served = answers.find(
		(a) =>
			a.age !== null ||
			FROM_CACHE.has((a.cfCacheStatus ?? "").trim().toUpperCase()),
	);
	if (served !== undefined)
		return {
			status: "fail",
			title: `Caching: a cache in front answered ${PATH} instead of Plumb (${[
				served.age === null ? undefined : `Age: ${served.age}`,
				served.cfCacheStatus === null
					? undefined
					: `CF-Cache-Status: ${served.cfCacheStatus}`,
			]
				.filter((part) => part !== undefined)
				.join(", ")})`,
			fix: 'Make your CDN respect the origin\'s Cache-Control (Cloudflare: no "Cache Everything" rule, or a Bypass cache rule for this host).',
		};
	const stored = answers.find(
		(a) => !/(^|,)\s*no-store\s*(,|$)/i.test(a.cacheControl ?? ""),
	);
	if (stored !== undefined)
		return {
			status: "fail",
			title: `Caching: ${PATH} arrived with Cache-Control: ${stored.cacheControl ?? "(none)"}, not no-store`,
			fix: "Make the proxy in front pass Plumb's Cache-Control header on unchanged.",
		};
	return {
		status: "pass",
		title: `Caching: answers arrive with Cache-Control: no-store and none came from a cache (${PATH}, asked twice)`,
	};
}
