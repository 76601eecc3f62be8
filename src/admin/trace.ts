/** GET /admin/api/trace?q=: what `plumb trace --url` prints, for an instance whose database only it can open. */
import { Hono } from "hono";
import { z } from "zod";
import { loadTrace } from "../store/index.ts";
import type { AdminEnv, AdminRouteDeps } from "./deps.ts";
import { parseInput } from "./query.ts";

const traceQuerySchema = z
	.object({ q: z.string().trim().min(1).max(320) })
	.strict();

/** Mounted under /admin/api/trace. Log keys are hashed with the server's salt, which only it holds. */
export function traceRoutes(deps: AdminRouteDeps): Hono<AdminEnv> {
	const app = new Hono<AdminEnv>();
	app.get("/", async (c) => {
		const { q } = parseInput(traceQuerySchema, c.req.query(), "query");
		return c.json(deps.redactor.value(await loadTrace(deps.db, q)));
	});
	return app;
}
