/** Logging in and out of the dashboard. */
import type { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../core/index.ts";
import { safeEqual } from "../http/index.ts";
import { resolveAccess, sameOrigin } from "./access.ts";
import type { AdminEnv, AdminRouteDeps } from "./deps.ts";
import { noticeParams, noticeText } from "./notices.ts";
import { formFields, safeReturnPath, withParams } from "./page-guard.ts";
import { optionalParam, parseInput } from "./query.ts";
import { frameOf, render } from "./render.ts";
import {
	checkLoginToken,
	cookiePolicy,
	endSession,
	issueLoginToken,
	startSession,
} from "./session.ts";
import { LoginPage } from "./ui/login.tsx";

/** Wrong tokens allowed per process per minute before logins pause: guessing stays hopeless. */
const MAX_FAILURES_PER_MINUTE = 10;

const loginQuerySchema = z
	.object({ next: optionalParam(z.string().max(1000)), ...noticeParams })
	.strict();

const loginFormSchema = z
	.object({
		token: z.string().max(1000),
		login_token: z.string().max(200),
		next: optionalParam(z.string().max(1000)),
	})
	.strict();

/** GET/POST /admin/login (open: it is how a session starts). */
export function loginRoutes(app: Hono<AdminEnv>, deps: AdminRouteDeps): void {
	const failures: number[] = [];

	app.get("/login", async (c) => {
		const query = parseInput(loginQuerySchema, c.req.query(), "query");
		const next = safeReturnPath(query.next);
		const adminToken = deps.settings.adminToken as string;
		if (await resolveAccess(c, deps, adminToken)) return c.redirect(next, 303);
		return render(
			c,
			<LoginPage
				frame={frameOf(c, "Log in")}
				loginToken={issueLoginToken(c, deps)}
				next={next}
				notice={noticeText(query.notice, query.count)}
			/>,
		);
	});

	app.post("/login", async (c) => {
		if (!sameOrigin(c, deps.settings.publicUrl))
			throw new AppError("forbidden", "Cross-site login refused.");
		const form = parseInput(loginFormSchema, await c.req.parseBody(), "body");
		if (!checkLoginToken(c, deps, form.login_token))
			throw new AppError(
				"forbidden",
				"The login form expired or came from elsewhere; open /admin/login and try again.",
			);
		const now = deps.now();
		while (failures.length > 0 && (failures[0] ?? 0) < now - 60_000)
			failures.shift();
		if (failures.length >= MAX_FAILURES_PER_MINUTE)
			throw new AppError(
				"rate_limited",
				"Too many wrong tokens in the last minute; wait a minute and try again.",
			);
		const next = safeReturnPath(form.next);
		const adminToken = deps.settings.adminToken as string;
		if (!safeEqual(form.token, adminToken)) {
			failures.push(now);
			c.var.log.warn(
				{ step: "admin_login", outcome: "refused" },
				"dashboard login refused: wrong token",
			);
			return render(
				c,
				<LoginPage
					frame={frameOf(c, "Log in")}
					loginToken={issueLoginToken(c, deps)}
					next={next}
					error="That is not the admin token."
				/>,
				401,
			);
		}
		await startSession(c, deps, adminToken);
		const policy = cookiePolicy(deps.settings.publicUrl);
		c.header(
			"set-cookie",
			`${policy.login}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict${policy.secure ? "; Secure" : ""}`,
			{ append: true },
		);
		c.var.log.info({ step: "admin_login", outcome: "ok" }, "dashboard login");
		return c.redirect(next, 303);
	});
}

/** POST /admin/logout (behind the guard: it needs the session and its CSRF token). */
export function logoutRoute(app: Hono<AdminEnv>, deps: AdminRouteDeps): void {
	app.post("/logout", async (c) => {
		parseInput(z.object(formFields).strict(), await c.req.parseBody(), "body");
		await endSession(c, deps);
		return c.redirect(
			withParams("/admin/login", { notice: "logged_out" }),
			303,
		);
	});
}
