/** Admin customers: search them, and read one customer's business state, integration state and timeline. */
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../core/index.ts";
import {
	isUuid,
	listCustomersAdmin,
	loadCustomerDetail,
} from "../store/index.ts";
import { type CustomerView, customerView } from "./customer-view.ts";
import type { AdminEnv, AdminRouteDeps } from "./deps.ts";
import { listHandler, listLoader } from "./list-route.ts";
import { listParams, optionalParam, parseInput, searchParam } from "./query.ts";

export const PLAN_STATUSES = [
	"active",
	"trialing",
	"past_due",
	"unpaid",
	"incomplete",
	"incomplete_expired",
	"paused",
	"canceled",
] as const;

export const customersQuerySchema = z
	.object({
		q: searchParam,
		plan_status: optionalParam(z.enum(PLAN_STATUSES)),
		tier: optionalParam(z.enum(["free", "standard", "pro"])),
		...listParams,
	})
	.strict();

/** One page of customers (API and dashboard alike), redacted. */
export const customersPage = listLoader(
	(deps: AdminRouteDeps, query: z.infer<typeof customersQuerySchema>, keyset) =>
		listCustomersAdmin(deps.db, {
			q: query.q,
			planStatus: query.plan_status,
			tier: query.tier,
			...keyset,
		}),
);

/** One customer as the dashboard shows it; undefined when no customer has that id. */
export async function customerDetail(
	deps: AdminRouteDeps,
	id: string,
): Promise<CustomerView | undefined> {
	if (!isUuid(id)) return undefined;
	const rows = await loadCustomerDetail(deps.db, id.toLowerCase());
	if (rows === undefined) return undefined;
	return deps.redactor.value(
		customerView(rows, {
			now: deps.now(),
			configured: deps.settings.connectors,
		}),
	);
}

/** Mounted under /admin/api/customers. */
export function customerRoutes(deps: AdminRouteDeps): Hono<AdminEnv> {
	const app = new Hono<AdminEnv>();

	app.get("/", listHandler(deps, customersQuerySchema, customersPage));

	app.get("/:id", async (c) => {
		parseInput(z.object({}).strict(), c.req.query(), "query");
		const view = await customerDetail(deps, c.req.param("id"));
		if (view === undefined)
			throw new AppError("not_found", "No customer has that id.");
		return c.json(view);
	});

	return app;
}
