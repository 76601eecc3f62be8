/** Request id (honouring a sane incoming x-request-id), a child logger, and one log line per request. */

import type { MiddlewareHandler } from "hono";
import { uuidv7 } from "../core/index.ts";
import type { Logger, Metrics } from "../observability/index.ts";
import type { AppEnv } from "./env.ts";

// Time-ordered (UUIDv7): request ids become events.correlation_id, and time-ordered keys append to
// that index instead of landing on random pages of it.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(
	logger: Logger,
	metrics: Metrics,
): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		const incoming = c.req.header("x-request-id");
		const requestId =
			incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : uuidv7();
		const log = logger.child({
			request_id: requestId,
			correlation_id: requestId,
		});
		c.set("requestId", requestId);
		c.set("log", log);
		// Set before the handler runs: every c.json/c.body/error response takes it from there, while
		// setting it on a finished response would rebuild that response (and on Node, materialise it).
		c.header("x-request-id", requestId);
		const started = performance.now();
		await next();
		const latencyMs = Math.round((performance.now() - started) * 10) / 10;
		// routePath is the matched pattern (/admin/api/events/:id), never the raw URL with its query.
		const route = c.req.routePath === "/*" ? "unmatched" : c.req.routePath;
		const status = c.res.status;
		metrics.httpRequests.inc({
			route,
			status: `${Math.floor(status / 100)}xx`,
		});
		metrics.httpDuration.observe({ route }, latencyMs / 1000);
		log.info(
			{
				step: "http",
				method: c.req.method,
				route,
				status,
				outcome: status < 400 ? "ok" : "refused",
				...(c.var.probe ? { probe: "doctor" } : {}),
				latency_ms: latencyMs,
			},
			"request",
		);
	};
}
