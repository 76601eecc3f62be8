/**
 * Admin money: the windows the money view covers (calendar days in UTC, today included) and its
 * JSON route. The numbers come from the business state tables (store/read/admin-money.ts).
 */
import { Hono } from "hono";
import { z } from "zod";
import { loadMoney, type MoneyRows } from "../store/index.ts";
import type { AdminEnv, AdminRouteDeps } from "./deps.ts";
import { parseInput } from "./query.ts";

const DAY = 86_400_000;

/** Today, the last 7 and the last 30 days, each starting at a UTC midnight. */
export function moneyWindows(now: number) {
	const today = Math.floor(now / DAY) * DAY;
	return {
		today: new Date(today),
		week: new Date(today - 6 * DAY),
		month: new Date(today - 29 * DAY),
	};
}

/** The money view's rows for the current clock. */
export function moneyRows(deps: AdminRouteDeps): Promise<MoneyRows> {
	return loadMoney(deps.db, moneyWindows(deps.now()));
}

/** Mounted under /admin/api/money. */
export function moneyRoutes(deps: AdminRouteDeps): Hono<AdminEnv> {
	const app = new Hono<AdminEnv>();
	app.get("/", async (c) => {
		parseInput(z.object({}).strict(), c.req.query(), "query");
		const windows = moneyWindows(deps.now());
		return c.json({ windows, ...(await loadMoney(deps.db, windows)) });
	});
	return app;
}
