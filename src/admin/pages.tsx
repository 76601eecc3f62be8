/** The dashboard under /admin: server-rendered pages (hono/jsx), one stylesheet, one optional script. */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError } from "../core/index.ts";
import { routeDeps } from "./api.ts";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { isApiPath, pageGuard } from "./page-guard.ts";
import { customerPages } from "./pages-customers.tsx";
import { deliveryPages } from "./pages-deliveries.tsx";
import { eventPages } from "./pages-events.tsx";
import { loginRoutes, logoutRoute } from "./pages-login.tsx";
import { moneyPages } from "./pages-money.tsx";
import { smallBodies } from "./query.ts";
import { frameOf, render } from "./render.ts";
import { securityHeaders } from "./security-headers.ts";
import { ASSETS } from "./ui/assets.ts";
import { BouncePage, ClosedPage, ErrorPage } from "./ui/login.tsx";

/** Mounted at /admin, beside the JSON API at /admin/api (whose paths it leaves alone). */
export function adminPages(deps: AdminDeps): Hono<AdminEnv> {
	const shared = routeDeps(deps);
	const app = new Hono<AdminEnv>();
	app.use("*", async (c, next) => {
		if (isApiPath(c.req.path)) return next();
		return securityHeaders()(c, next);
	});
	app.use("*", smallBodies());
	app.onError(async (error, c) => {
		const known =
			error instanceof AppError
				? error
				: error instanceof HTTPException
					? new AppError("bad_request", error.message)
					: undefined;
		if (known === undefined)
			c.var.log?.error(
				{
					step: "http",
					outcome: "error",
					err: { type: error.name, message: error.message },
				},
				"dashboard request failed",
			);
		const status = (known?.status ?? 500) as ContentfulStatusCode;
		const message =
			known?.message ??
			`Internal error; see the server log for request ${c.var.requestId}.`;
		return render(
			c,
			<ErrorPage
				frame={frameOf(c, "Error")}
				status={status}
				message={message}
			/>,
			status,
		);
	});

	for (const asset of [ASSETS.css, ASSETS.js])
		app.get(asset.path.replace(/^\/admin/, ""), (c) => {
			c.header("content-type", asset.type);
			c.header("cache-control", "public, max-age=31536000, immutable");
			return c.body(asset.body);
		});

	app.use("*", async (c, next) => {
		if (isApiPath(c.req.path) || deps.settings.adminToken !== undefined)
			return next();
		// Never open: without ADMIN_TOKEN every page says how to set it.
		return render(
			c,
			<ClosedPage frame={frameOf(c, "Dashboard closed")} />,
			503,
		);
	});
	loginRoutes(app, shared);
	app.use(
		"*",
		pageGuard(deps, {
			bounce: (c, target) =>
				render(
					c,
					<BouncePage
						frame={{ ...frameOf(c, "Plumb"), redirect: target }}
						target={target}
					/>,
				),
		}),
	);
	logoutRoute(app, shared);
	customerPages(app, shared);
	deliveryPages(app, shared);
	eventPages(app, shared);
	moneyPages(app, shared);
	return app;
}
