/**
 * Marked probes: `plumb doctor --url` sends requests meant to be refused (an unsigned webhook must get
 * 401) and marks them `Plumb-Probe: t=<unix seconds>,v1=<hex>` so the instance counts them apart and
 * raises no alert for them. Safe by construction:
 * - only the holder of ADMIN_TOKEN can make a mark (HMAC-SHA256 keyed by it), bound to the method and
 *   path and valid for 5 minutes either side, so a mark cannot be forged or carried to another route;
 * - a mark changes what is counted, never what is answered: verification runs as for anyone;
 * - only refusals (4xx) count apart; a 5xx is the instance failing and counts as usual;
 * - marked refusals still show, under plumb_webhook_probes_total and in the request log (`probe`).
 */
import { createHmac } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { safeEqual } from "./bearer.ts";
import type { AppEnv } from "./env.ts";

export const PROBE_HEADER = "plumb-probe";

/** How far a mark's time may be from ours: the doctor's clock is checked against 60 s elsewhere. */
const PROBE_WINDOW_S = 300;

function probeMac(
	adminToken: string,
	seconds: number,
	method: string,
	path: string,
): string {
	return createHmac("sha256", adminToken)
		.update(`plumb-probe:${seconds}:${method.toUpperCase()}:${path}`)
		.digest("hex");
}

/** The header value that marks one probe request (the doctor's side). */
export function probeMark(
	adminToken: string,
	nowMs: number,
	method: string,
	path: string,
): string {
	const seconds = Math.floor(nowMs / 1000);
	return `t=${seconds},v1=${probeMac(adminToken, seconds, method, path)}`;
}

/** True when `header` is a fresh mark for this method and path made with `adminToken`. */
export function isProbeMark(
	header: string | undefined,
	adminToken: string | undefined,
	nowMs: number,
	method: string,
	path: string,
): boolean {
	if (header === undefined || adminToken === undefined) return false;
	const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header.trim());
	if (match === null) return false;
	const seconds = Number(match[1]);
	if (Math.abs(nowMs / 1000 - seconds) > PROBE_WINDOW_S) return false;
	return safeEqual(match[2] ?? "", probeMac(adminToken, seconds, method, path));
}

/** Sets `probe` on requests that carry a valid mark, and tags their log lines. Mount before the routes. */
export function markProbes(
	adminToken: string | undefined,
	now: () => number,
): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		const probe = isProbeMark(
			c.req.header(PROBE_HEADER),
			adminToken,
			now(),
			c.req.method,
			c.req.path,
		);
		c.set("probe", probe);
		if (probe) c.set("log", c.var.log.child({ probe: "doctor" }));
		await next();
	};
}
