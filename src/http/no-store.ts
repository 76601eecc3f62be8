/**
 * `Cache-Control: no-store` on every answer: webhook acknowledgements, intent statuses, probes, errors
 * and dashboard pages carry customer data or live state, and a CDN in front (Cloudflare and the like)
 * must neither keep nor replay them. A route with something truly static (the dashboard's
 * fingerprinted assets) sets its own header, which replaces this one.
 */
import type { MiddlewareHandler } from "hono";

export function noStore(): MiddlewareHandler {
	return async (c, next) => {
		// Set before the handler runs, like x-request-id: responses built with c.json/c.body and the
		// error handler's answers take it from there.
		c.header("cache-control", "no-store");
		await next();
	};
}
