/**
 * Counts every webhook request answered 4xx/5xx: a Prometheus counter, and a per-minute row that the
 * alert rules read from any process (failed verifications, failure rate). Nothing runs on a 2xx.
 * A refusal of a marked `plumb doctor` probe (http/probe.ts) counts apart and feeds no alert rule.
 */
import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../core/index.ts";
import type { AppEnv } from "../http/index.ts";
import type { Metrics } from "../observability/index.ts";
import { type Db, recordWebhookFailure } from "../store/index.ts";

/** Mount first on a webhook route: `app.use("*", countWebhookFailures(deps, "stripe"))`. */
export function countWebhookFailures(
	deps: { db: Db; metrics: Metrics },
	source: string,
): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		await next();
		const status = c.res.status;
		// Only deliveries count: a GET from a scanner is not a provider's webhook failing.
		if (status < 400 || c.req.method !== "POST") return;
		// A 5xx is the instance failing, probe or not: only refusals may count apart.
		if (c.var.probe && status < 500) {
			deps.metrics.webhookProbes.inc({ source, status: String(status) });
			return;
		}
		deps.metrics.webhookFailures.inc({ source, status: String(status) });
		const reason =
			c.error instanceof AppError
				? c.error.code
				: status >= 500
					? "internal_error"
					: "refused";
		// A database that is away cannot count it either: the metric and the 503's own log line do.
		if (reason === "database_unavailable") return;
		try {
			await recordWebhookFailure(deps.db, { source, status, reason });
		} catch (error) {
			// The answer is already decided; a database too sick to count this is visible elsewhere.
			c.var.log.warn(
				{
					step: "verify",
					source,
					outcome: "not_counted",
					err: {
						message: error instanceof Error ? error.message : String(error),
					},
				},
				"could not count a failed webhook request",
			);
		}
	};
}

/** The Prometheus count of refused signatures; a marked probe's refusal is counted by the middleware instead. */
export function countSignatureFailure(
	c: Context<AppEnv>,
	metrics: Metrics,
	source: string,
): void {
	if (!c.var.probe) metrics.signatureFailures.inc({ source });
}
