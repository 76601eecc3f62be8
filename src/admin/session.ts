/**
 * Dashboard sessions. The cookie holds a random 256-bit secret; the database holds only its SHA-256
 * (admin_sessions), so a logout or a timeout really ends it. The CSRF token is derived from the secret,
 * so it needs no storage and is useless without the cookie. Over HTTPS (PLUMB_PUBLIC_URL https://…)
 * the cookie is `__Host-plumb_session; Secure`; always `HttpOnly; SameSite=Strict; Path=/`.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { safeEqual } from "../http/index.ts";
import {
	deleteAdminSession,
	deleteExpiredAdminSessions,
	findAdminSession,
	insertAdminSession,
	touchAdminSession,
} from "../store/index.ts";
import type { Access, AdminDeps, AdminEnv } from "./deps.ts";

export interface CookiePolicy {
	session: string;
	/** The login form's double-submit cookie (CSRF on the login itself). */
	login: string;
	secure: boolean;
}

/**
 * HTTPS is decided by PLUMB_PUBLIC_URL alone. X-Forwarded-Proto is not trusted: Plumb has no list of
 * trusted proxies, and behind a TLS proxy the public URL must be set anyway for links to be right.
 */
export function cookiePolicy(publicUrl: string): CookiePolicy {
	const secure = publicUrl.startsWith("https:");
	return secure
		? { session: "__Host-plumb_session", login: "__Host-plumb_login", secure }
		: { session: "plumb_session", login: "plumb_login", secure };
}

const SECRET = /^[A-Za-z0-9_-]{43}$/;

export function newSecret(): string {
	return randomBytes(32).toString("base64url");
}

function hashOf(secret: string): string {
	return createHash("sha256").update(`session:${secret}`).digest("hex");
}

function csrfOf(secret: string): string {
	return createHash("sha256").update(`csrf:${secret}`).digest("base64url");
}

function tokenCheckOf(secret: string, adminToken: string): string {
	return createHmac("sha256", secret).update(adminToken).digest("hex");
}

function cookieOptions(policy: CookiePolicy, maxAgeMs: number) {
	return {
		path: "/",
		httpOnly: true,
		secure: policy.secure,
		sameSite: "Strict" as const,
		maxAge: Math.floor(maxAgeMs / 1000),
	};
}

/** The caller's session, if its cookie names a live one made under the current ADMIN_TOKEN. */
export async function readSession(
	c: Context<AdminEnv>,
	deps: AdminDeps,
	adminToken: string,
): Promise<Access | undefined> {
	const policy = cookiePolicy(deps.settings.publicUrl);
	const secret = getCookie(c, policy.session);
	if (secret === undefined || !SECRET.test(secret)) return undefined;
	const idHash = hashOf(secret);
	const row = await findAdminSession(
		deps.db,
		idHash,
		deps.settings.sessionIdleMs,
	);
	if (!row || !safeEqual(row.token_check, tokenCheckOf(secret, adminToken)))
		return undefined;
	if (row.stale) await touchAdminSession(deps.db, idHash);
	return { kind: "session", idHash, csrfToken: csrfOf(secret) };
}

/** Logs in: a new session id every time (the old one, if any, is ended), set as the cookie. */
export async function startSession(
	c: Context<AdminEnv>,
	deps: AdminDeps,
	adminToken: string,
): Promise<void> {
	const policy = cookiePolicy(deps.settings.publicUrl);
	await endSession(c, deps);
	await deleteExpiredAdminSessions(deps.db, deps.settings.sessionIdleMs);
	const secret = newSecret();
	await insertAdminSession(deps.db, {
		idHash: hashOf(secret),
		tokenCheck: tokenCheckOf(secret, adminToken),
		maxAgeMs: deps.settings.sessionMaxMs,
	});
	setCookie(
		c,
		policy.session,
		secret,
		cookieOptions(policy, deps.settings.sessionMaxMs),
	);
}

/** Logs out: the row is deleted and the cookie cleared. */
export async function endSession(
	c: Context<AdminEnv>,
	deps: AdminDeps,
): Promise<void> {
	const policy = cookiePolicy(deps.settings.publicUrl);
	const secret = getCookie(c, policy.session);
	if (secret !== undefined && SECRET.test(secret))
		await deleteAdminSession(deps.db, hashOf(secret));
	if (secret !== undefined)
		deleteCookie(c, policy.session, {
			path: "/",
			secure: policy.secure,
		});
}

/** The login form's CSRF token: a fresh random value, set as a cookie and echoed in a hidden field. */
export function issueLoginToken(c: Context<AdminEnv>, deps: AdminDeps): string {
	const policy = cookiePolicy(deps.settings.publicUrl);
	const token = newSecret();
	setCookie(c, policy.login, token, cookieOptions(policy, 15 * 60 * 1000));
	return token;
}

/** True when the form's login token matches its cookie (both present). */
export function checkLoginToken(
	c: Context<AdminEnv>,
	deps: AdminDeps,
	given: string | undefined,
): boolean {
	const cookie = getCookie(c, cookiePolicy(deps.settings.publicUrl).login);
	return (
		cookie !== undefined &&
		given !== undefined &&
		SECRET.test(cookie) &&
		safeEqual(given, cookie)
	);
}
