/**
 * The dashboard pages' guard and the helpers around it: closed without ADMIN_TOKEN, a redirect to the
 * login page without a session (after one same-origin bounce for links from other sites), CSRF checks
 * on every form post, and safe return paths (never a redirect off this site).
 */
import type { Context, MiddlewareHandler } from "hono";
import { z } from "zod";
import { checkCsrf, isSafeMethod, resolveAccess } from "./access.ts";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { optionalParam } from "./query.ts";

/** Paths the pages' middleware leaves to the JSON API (mounted beside the pages). */
export function isApiPath(path: string): boolean {
	return path === "/admin/api" || path.startsWith("/admin/api/");
}

// A path on this dashboard: no scheme, no host, no "//", no backslash, nothing but plain characters.
const SAFE_PATH =
	/^\/admin(?:\/[A-Za-z0-9._~-]+)*\/?(?:\?[A-Za-z0-9._~=&%+-]*)?$/;

/** `value` if it is a path inside the dashboard, else the overview. */
export function safeReturnPath(value: string | undefined): string {
	return value !== undefined &&
		SAFE_PATH.test(value) &&
		!value.includes("//") &&
		!value.includes("..")
		? value
		: "/admin";
}

/** `path` with `params` set (existing notice parameters replaced). */
export function withParams(
	path: string,
	params: Record<string, string | number | undefined>,
): string {
	const url = new URL(safeReturnPath(path), "http://plumb.invalid");
	url.searchParams.delete("notice");
	url.searchParams.delete("count");
	for (const [key, value] of Object.entries(params))
		if (value !== undefined) url.searchParams.set(key, String(value));
	return `${url.pathname}${url.search}`;
}

/** The path and query of this request, for coming back after login. */
export function currentPath(c: Context<AdminEnv>): string {
	const url = new URL(c.req.url);
	return safeReturnPath(`${url.pathname}${url.search}`);
}

/** Fields every form post carries besides its own. */
export const formFields = {
	_csrf: z.string().max(200),
	return_to: optionalParam(z.string().max(1000)),
};

export interface GuardHooks {
	/** The page for a cross-site link without the (Strict) cookie: reload from our own origin once. */
	bounce(c: Context<AdminEnv>, target: string): Promise<Response>;
}

export function pageGuard(
	deps: AdminDeps,
	hooks: GuardHooks,
): MiddlewareHandler<AdminEnv> {
	return async (c, next) => {
		if (isApiPath(c.req.path)) return next();
		const adminToken = deps.settings.adminToken;
		if (adminToken === undefined) return next();
		const access = await resolveAccess(c, deps, adminToken);
		if (access === undefined) {
			const target = currentPath(c);
			if (
				isSafeMethod(c.req.method) &&
				c.req.header("sec-fetch-site") === "cross-site"
			)
				return hooks.bounce(c, target);
			return c.redirect(
				`/admin/login?next=${encodeURIComponent(isSafeMethod(c.req.method) ? target : "/admin")}`,
				303,
			);
		}
		await checkCsrf(c, deps, access);
		c.set("access", access);
		await next();
	};
}
