/** Dashboard pages: the events inbox and one event with its redacted payload. */
import type { Hono } from "hono";
import { z } from "zod";
import {
	AppError,
	EVENT_SOURCES,
	EVENT_STATUSES,
	EVENT_TYPES,
} from "../core/index.ts";
import type { AdminEnv, AdminRouteDeps } from "./deps.ts";
import { eventDetail, eventsPage, eventsQuerySchema } from "./events.ts";
import { parseInput } from "./query.ts";
import { frameOf, render } from "./render.ts";
import { EventPage, EventsPage } from "./ui/events.tsx";

export function eventPages(app: Hono<AdminEnv>, deps: AdminRouteDeps): void {
	app.get("/events", async (c) => {
		const raw = c.req.query();
		const query = parseInput(eventsQuerySchema, raw, "query");
		const result = await eventsPage(deps, query);
		return render(
			c,
			<EventsPage
				frame={frameOf(c, "Events")}
				items={result.items}
				next={result.next_cursor}
				query={raw}
				types={EVENT_TYPES}
				sources={EVENT_SOURCES}
				statuses={EVENT_STATUSES}
				now={deps.now()}
			/>,
		);
	});

	app.get("/events/:id", async (c) => {
		parseInput(z.object({}).strict(), c.req.query(), "query");
		const detail = await eventDetail(deps, c.req.param("id"));
		if (detail === undefined)
			throw new AppError("not_found", "No event has that id.");
		return render(
			c,
			<EventPage
				frame={frameOf(c, "Event")}
				detail={detail}
				now={deps.now()}
			/>,
		);
	});
}
