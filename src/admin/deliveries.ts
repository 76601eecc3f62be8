/** Admin deliveries: list them (what synced, what failed, why), replay one, or replay every dead or skipped one of a destination. */
import { Hono } from "hono";
import { z } from "zod";
import {
	AppError,
	deliveryStatusSchema,
	destinationSchema,
} from "../core/index.ts";
import { replayDead, replayDelivery } from "../queue/index.ts";
import {
	type BulkReplayStatus,
	isUuid,
	listDeliveriesAdmin,
} from "../store/index.ts";
import { reasonSchema } from "./alerts.ts";
import { type AdminEnv, type AdminRouteDeps, actorOf } from "./deps.ts";
import { listHandler, listLoader } from "./list-route.ts";
import {
	jsonBody,
	listParams,
	optionalParam,
	parseInput,
	searchParam,
} from "./query.ts";

export const deliveriesQuerySchema = z
	.object({
		status: optionalParam(deliveryStatusSchema),
		destination: optionalParam(destinationSchema),
		action: optionalParam(
			z.enum(["crm_sync", "create_ticket", "add_comment", "notify"]),
		),
		q: searchParam,
		customer_id: optionalParam(z.uuid()),
		event_id: optionalParam(z.uuid()),
		...listParams,
	})
	.strict();

const replayBodySchema = z
	.object({ reason: reasonSchema, force: z.boolean().optional() })
	.strict();

/** The statuses a bulk replay takes: dead, or skipped (once the connector is configured). */
export const bulkStatusSchema = z.enum(["dead", "skipped"]);

/** Bulk replay takes the list's filter; only dead or skipped deliveries can be replayed in bulk. */
const bulkReplayBodySchema = z
	.object({
		status: bulkStatusSchema,
		destination: destinationSchema.optional(),
		reason: reasonSchema,
	})
	.strict();

/** One page of deliveries (API and dashboard alike), redacted. */
export const deliveriesPage = listLoader(
	(
		deps: AdminRouteDeps,
		query: z.infer<typeof deliveriesQuerySchema>,
		keyset,
	) =>
		listDeliveriesAdmin(deps.db, {
			status: query.status,
			destination: query.destination,
			action: query.action,
			q: query.q,
			customerId: query.customer_id,
			eventId: query.event_id,
			...keyset,
		}),
);

/** Replays one delivery; the API's answer (202 body), or a thrown 404 / 409. */
export async function replayOne(
	deps: AdminRouteDeps,
	request: { id: string; reason: string; force: boolean; actor: string },
) {
	if (!isUuid(request.id))
		throw new AppError("not_found", "No delivery has that id.");
	const result = await replayDelivery(deps.db, {
		...request,
		id: request.id.toLowerCase(),
	});
	if (result === undefined)
		throw new AppError("not_found", "No delivery has that id.");
	if (!result.changed && result.status !== "pending")
		throw new AppError("conflict", result.message);
	return {
		id: request.id,
		requeued: result.changed && result.status === "pending",
		status: result.status,
		message: result.message,
	};
}

/**
 * Replays every dead (or skipped) delivery, of one destination or all; one intervention records the
 * run, and none when there was nothing to replay.
 */
export async function replayAll(
	deps: AdminRouteDeps,
	request: {
		status: BulkReplayStatus;
		destination: string | null;
		reason: string;
		actor: string;
	},
) {
	const run = await replayDead(deps.db, request);
	return {
		intervention_id: run.interventionId,
		status: request.status,
		destination: request.destination,
		total: run.total,
		requeued: run.requeued,
		superseded: run.superseded,
		message:
			run.interventionId === null
				? `No ${request.status} deliveries to replay; nothing was recorded.`
				: `Requeued ${run.requeued} ${request.status} deliver${run.requeued === 1 ? "y" : "ies"}${run.superseded > 0 ? `; ${run.superseded} superseded by a newer CRM sync` : ""}.`,
	};
}

/** Mounted under /admin/api/deliveries. */
export function deliveryRoutes(deps: AdminRouteDeps): Hono<AdminEnv> {
	const app = new Hono<AdminEnv>();

	app.get("/", listHandler(deps, deliveriesQuerySchema, deliveriesPage));

	app.post("/replay", async (c) => {
		const body = parseInput(
			bulkReplayBodySchema,
			await jsonBody(
				c.req,
				'{"status": "dead" | "skipped", "destination"?: "hubspot", "reason": "…"}',
			),
			"body",
		);
		const answer = await replayAll(deps, {
			status: body.status,
			destination: body.destination ?? null,
			reason: body.reason,
			actor: actorOf(c.var.access, c.var.requestId),
		});
		return c.json(deps.redactor.value(answer), 202);
	});

	app.post("/:id/replay", async (c) => {
		const body = parseInput(
			replayBodySchema,
			await jsonBody(c.req, '{"reason": "…", "force"?: true}'),
			"body",
		);
		const answer = await replayOne(deps, {
			id: c.req.param("id"),
			reason: body.reason,
			force: body.force ?? false,
			actor: actorOf(c.var.access, c.var.requestId),
		});
		return c.json(deps.redactor.value(answer), 202);
	});

	return app;
}
