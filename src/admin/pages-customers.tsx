/** Dashboard pages: the overview, customer search and the customer page. */
import type { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../core/index.ts";
import {
	loadOverview,
	queueStats,
	signatureFailuresSince,
	uuidAt,
} from "../store/index.ts";
import {
	customerDetail,
	customersPage,
	customersQuerySchema,
	PLAN_STATUSES,
} from "./customers.ts";
import type { AdminEnv, AdminRouteDeps } from "./deps.ts";
import { moneyWindows } from "./money.ts";
import { noticeParams, noticeText } from "./notices.ts";
import { parseInput } from "./query.ts";
import { frameOf, render, sessionFrame } from "./render.ts";
import { CustomerPage } from "./ui/customer.tsx";
import { CustomersPage } from "./ui/customers.tsx";
import { OverviewPage } from "./ui/overview.tsx";

const HOUR = 3_600_000;

export function customerPages(app: Hono<AdminEnv>, deps: AdminRouteDeps): void {
	app.get("/", async (c) => {
		parseInput(z.object({}).strict(), c.req.query(), "query");
		const now = deps.now();
		const since = Math.floor(now / HOUR) * HOUR - 23 * HOUR;
		const [rows, queues, signatures] = await Promise.all([
			loadOverview(deps.db, {
				id: uuidAt(new Date(since)),
				today: moneyWindows(now).today,
				now,
			}),
			queueStats(deps.db),
			signatureFailuresSince(deps.db, new Date(now - 24 * HOUR)),
		]);
		return render(
			c,
			<OverviewPage
				frame={frameOf(c, "Overview")}
				model={{
					rows,
					queues,
					signatureFailures: signatures,
					now,
				}}
			/>,
		);
	});

	app.get("/customers", async (c) => {
		const raw = c.req.query();
		const query = parseInput(
			customersQuerySchema.extend(noticeParams),
			raw,
			"query",
		);
		const result = await customersPage(deps, query);
		const only = result.items[0];
		// A search that names exactly one customer goes straight to them.
		if (query.q && !query.cursor && result.items.length === 1 && only)
			return c.redirect(`/admin/customers/${only.id}`, 303);
		return render(
			c,
			<CustomersPage
				frame={frameOf(c, "Customers")}
				items={result.items}
				next={result.next_cursor}
				query={raw}
				planStatuses={PLAN_STATUSES}
				now={deps.now()}
			/>,
		);
	});

	app.get("/customers/:id", async (c) => {
		const query = parseInput(
			z.object(noticeParams).strict(),
			c.req.query(),
			"query",
		);
		const view = await customerDetail(deps, c.req.param("id"));
		if (view === undefined)
			throw new AppError("not_found", "No customer has that id.");
		return render(
			c,
			<CustomerPage
				frame={sessionFrame(
					c,
					view.customer.name ?? view.customer.email ?? "Customer",
				)}
				view={view}
				now={deps.now()}
				notice={noticeText(query.notice, query.count)}
			/>,
		);
	});
}
