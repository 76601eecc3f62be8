/** Admin alerts: what needs a person, newest first, and acknowledging one (audited with a reason). */
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../core/index.ts";
import {
	ALERT_SEVERITIES,
	ALERT_STATUSES,
	acknowledgeAlert,
	isUuid,
	listAlerts,
} from "../store/index.ts";
import { type AdminEnv, type AdminRouteDeps, actorOf } from "./deps.ts";
import { listHandler, listLoader } from "./list-route.ts";
import { jsonBody, listParams, optionalParam, parseInput } from "./query.ts";

export const alertsQuerySchema = z
	.object({
		status: optionalParam(z.enum(ALERT_STATUSES)),
		severity: optionalParam(z.enum(ALERT_SEVERITIES)),
		kind: optionalParam(z.string().regex(/^[a-z_]{1,40}$/)),
		customer_id: optionalParam(z.uuid()),
		...listParams,
	})
	.strict();

export const reasonSchema = z.string().trim().min(1).max(500);

const ackBodySchema = z.object({ reason: reasonSchema }).strict();

/** One page of alerts (API and dashboard alike), redacted. */
export const alertsPage = listLoader(
	(deps: AdminRouteDeps, query: z.infer<typeof alertsQuerySchema>, keyset) =>
		listAlerts(deps.db, {
			status: query.status,
			severity: query.severity,
			kind: query.kind,
			customerId: query.customer_id,
			...keyset,
		}),
);

/** Acknowledges one alert; the answer the API gives, or a thrown 404. */
export async function acknowledge(
	deps: AdminRouteDeps,
	request: { id: string; reason: string; actor: string },
) {
	const result = isUuid(request.id)
		? await acknowledgeAlert(deps.db, {
				...request,
				id: request.id.toLowerCase(),
			})
		: undefined;
	if (result === undefined)
		throw new AppError("not_found", "No alert has that id.");
	return {
		id: request.id,
		acknowledged: result.changed,
		status: result.status,
		intervention_id: result.interventionId,
		message: result.changed
			? "Acknowledged."
			: `It is already ${result.status}; nothing changed.`,
	};
}

/** Mounted under /admin/api/alerts. */
export function alertRoutes(deps: AdminRouteDeps): Hono<AdminEnv> {
	const app = new Hono<AdminEnv>();

	app.get("/", listHandler(deps, alertsQuerySchema, alertsPage));

	app.post("/:id/acknowledge", async (c) => {
		const body = parseInput(
			ackBodySchema,
			await jsonBody(c.req, '{"reason": "…"}'),
			"body",
		);
		const answer = await acknowledge(deps, {
			id: c.req.param("id"),
			reason: body.reason,
			actor: actorOf(c.var.access, c.var.requestId),
		});
		return c.json(deps.redactor.value(answer));
	});

	return app;
}
