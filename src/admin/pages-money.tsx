/** Dashboard page: the money view. */
import type { Hono } from "hono";
import { z } from "zod";
import type { AdminEnv, AdminRouteDeps } from "./deps.ts";
import { moneyRows } from "./money.ts";
import { parseInput } from "./query.ts";
import { frameOf, render } from "./render.ts";
import { MoneyPage } from "./ui/money.tsx";

export function moneyPages(app: Hono<AdminEnv>, deps: AdminRouteDeps): void {
	app.get("/money", async (c) => {
		parseInput(z.object({}).strict(), c.req.query(), "query");
		return render(
			c,
			<MoneyPage
				frame={frameOf(c, "Money")}
				rows={await moneyRows(deps)}
				now={deps.now()}
			/>,
		);
	});
}
