/** Admin events: the inbox, filtered and searched, and one event with its redacted payload and what it caused. */
import { Hono } from "hono";
import { z } from "zod";
import {
	AppError,
	EVENT_STATUSES,
	eventSourceSchema,
	eventTypeSchema,
} from "../core/index.ts";
import {
	type EventRow,
	getEvent,
	isUuid,
	listDeliveriesAdmin,
	listEventsAdmin,
	loadEventTimeline,
} from "../store/index.ts";
import type { AdminEnv, AdminRouteDeps } from "./deps.ts";
import { listHandler, listLoader } from "./list-route.ts";
import { listParams, optionalParam, parseInput, searchParam } from "./query.ts";

export const eventsQuerySchema = z
	.object({
		q: searchParam,
		type: optionalParam(eventTypeSchema),
		source: optionalParam(eventSourceSchema),
		status: optionalParam(z.enum(EVENT_STATUSES)),
		customer_id: optionalParam(z.uuid()),
		...listParams,
	})
	.strict();

export interface EventDetail {
	event: EventRow & { payload: unknown };
	deliveries: Awaited<ReturnType<typeof listDeliveriesAdmin>>;
	timeline: Awaited<ReturnType<typeof loadEventTimeline>>;
}

/** One page of events (API and dashboard alike), redacted. */
export const eventsPage = listLoader(
	(deps: AdminRouteDeps, query: z.infer<typeof eventsQuerySchema>, keyset) =>
		listEventsAdmin(deps.db, {
			q: query.q,
			type: query.type,
			source: query.source,
			status: query.status,
			customerId: query.customer_id,
			...keyset,
		}),
);

/** One event, its payload redacted (redact.ts says what is masked); undefined when unknown. */
export async function eventDetail(
	deps: AdminRouteDeps,
	id: string,
): Promise<EventDetail | undefined> {
	if (!isUuid(id)) return undefined;
	const event = await getEvent(deps.db, id.toLowerCase());
	if (event === undefined) return undefined;
	const [deliveries, timeline] = await Promise.all([
		listDeliveriesAdmin(deps.db, { eventId: event.id, limit: 100 }),
		loadEventTimeline(deps.db, event.id),
	]);
	return deps.redactor.value({ event, deliveries, timeline });
}

/** Mounted under /admin/api/events. */
export function eventRoutes(deps: AdminRouteDeps): Hono<AdminEnv> {
	const app = new Hono<AdminEnv>();

	app.get("/", listHandler(deps, eventsQuerySchema, eventsPage));

	app.get("/:id", async (c) => {
		parseInput(z.object({}).strict(), c.req.query(), "query");
		const detail = await eventDetail(deps, c.req.param("id"));
		if (detail === undefined)
			throw new AppError("not_found", "No event has that id.");
		return c.json(detail);
	});

	return app;
}
