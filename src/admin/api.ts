/** The admin JSON API under /admin/api, behind ADMIN_TOKEN (bearer) or a dashboard session. */
import { Hono } from "hono";
import { apiGuard } from "./access.ts";
import { alertRoutes } from "./alerts.ts";
import { customerRoutes } from "./customers.ts";
import { deliveryRoutes } from "./deliveries.ts";
import type { AdminDeps, AdminEnv, AdminRouteDeps } from "./deps.ts";
import { eventRoutes } from "./events.ts";
import { instanceRoutes } from "./instance.ts";
import { moneyRoutes } from "./money.ts";
import { smallBodies } from "./query.ts";
import { createRedactor } from "./redact.ts";
import { securityHeaders } from "./security-headers.ts";
import { traceRoutes } from "./trace.ts";

export type AdminApiDeps = AdminDeps;

/** The route modules' deps: one redactor per app, and the clock. */
export function routeDeps(deps: AdminDeps): AdminRouteDeps {
	return {
		...deps,
		now: deps.now ?? Date.now,
		redactor: createRedactor(deps.settings.secretValues),
	};
}

export function adminApi(deps: AdminApiDeps): Hono<AdminEnv> {
	const shared = routeDeps(deps);
	const app = new Hono<AdminEnv>();
	app.use("*", securityHeaders());
	app.use("*", smallBodies());
	app.use("*", apiGuard(deps));
	app.route("/customers", customerRoutes(shared));
	app.route("/events", eventRoutes(shared));
	app.route("/deliveries", deliveryRoutes(shared));
	app.route("/alerts", alertRoutes(shared));
	app.route("/money", moneyRoutes(shared));
	app.route("/trace", traceRoutes(shared));
	app.route("/instance", instanceRoutes(shared));
	return app;
}
