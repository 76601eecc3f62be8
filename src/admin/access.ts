/**
 * Who may use the admin area, and the CSRF rules for people. A script sends
 * `Authorization: Bearer <ADMIN_TOKEN>` (no ambient credential, so no CSRF check applies); a person
 * has a session cookie, and every state-changing request of a session must come from our own origin
 * (Sec-Fetch-Site / Origin) and carry the session's synchronizer token.
 */
import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../core/index.ts";
import { hasBearer, safeEqual } from "../http/index.ts";
import type { Access, AdminDeps, AdminEnv } from "./deps.ts";
import { readSession } from "./session.ts";

/** The form field and header that carry the synchronizer token. */
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isSafeMethod(method: string): boolean {
	return SAFE_METHODS.has(method);
}

/** Bearer first: a wrong bearer token is refused even with a valid cookie beside it. */
export async function resolveAccess(
	c: Context<AdminEnv>,
	deps: AdminDeps,
	adminToken: string,
): Promise<Access | undefined> {
	const header = c.req.header("authorization");
	if (header !== undefined)
		return hasBearer(header, [adminToken]) ? { kind: "bearer" } : undefined;
	return readSession(c, deps, adminToken);
}

/**
 * True when a state-changing request comes from our own pages: a browser's Sec-Fetch-Site must say
 * same-origin, and an Origin header must be this host or PLUMB_PUBLIC_URL. Clients that send neither
 * (old browsers, curl) still need the token.
 */
export function sameOrigin(c: Context<AdminEnv>, publicUrl: string): boolean {
	const site = c.req.header("sec-fetch-site");
	if (site !== undefined && site !== "same-origin") return false;
	const origin = c.req.header("origin");
	if (origin === undefined) return true;
	try {
		const parsed = new URL(origin);
		return (
			parsed.origin === new URL(publicUrl).origin ||
			(parsed.host !== "" && parsed.host === c.req.header("host"))
		);
	} catch {
		// "null" (a sandboxed or privacy-sensitive context) or garbage.
		return false;
	}
}

/** The token a request carries, from the header or, for forms, the field. */
export async function givenCsrfToken(
	c: Context<AdminEnv>,
): Promise<string | undefined> {
	const header = c.req.header(CSRF_HEADER);
	if (header !== undefined) return header;
	const type = c.req.header("content-type") ?? "";
	if (
		!type.startsWith("application/x-www-form-urlencoded") &&
		!type.startsWith("multipart/form-data")
	)
		return undefined;
	const body = await c.req.parseBody().catch(() => undefined);
	const field = body?.[CSRF_FIELD];
	return typeof field === "string" ? field : undefined;
}

/** Refuses (403) a session's state-changing request from another site or without its token. */
export async function checkCsrf(
	c: Context<AdminEnv>,
	deps: AdminDeps,
	access: Access,
): Promise<void> {
	if (access.kind === "bearer" || isSafeMethod(c.req.method)) return;
	if (!sameOrigin(c, deps.settings.publicUrl))
		throw new AppError(
			"forbidden",
			"Cross-site request refused: state-changing admin requests must come from Plumb's own pages.",
		);
	const given = await givenCsrfToken(c);
	if (given === undefined || !safeEqual(given, access.csrfToken))
		throw new AppError(
			"forbidden",
			`Missing or wrong CSRF token: send the session's token in ${CSRF_HEADER} (or the ${CSRF_FIELD} form field).`,
		);
}

/** The JSON API's guard: 401 without the token or a session, 403 on a CSRF failure. */
export function apiGuard(deps: AdminDeps): MiddlewareHandler<AdminEnv> {
	return async (c, next) => {
		const adminToken = deps.settings.adminToken;
		if (adminToken === undefined) {
			// Never open: without a token the admin API refuses everyone and says how to fix it.
			throw new AppError(
				"unauthorized",
				"The admin API is disabled: set ADMIN_TOKEN and restart Plumb.",
			);
		}
		const access = await resolveAccess(c, deps, adminToken);
		if (access === undefined)
			throw new AppError(
				"unauthorized",
				"Send Authorization: Bearer <ADMIN_TOKEN>, or log in to the dashboard at /admin/login.",
			);
		await checkCsrf(c, deps, access);
		c.set("access", access);
		await next();
	};
}
