/**
 * Headers on every /admin response: a Content-Security-Policy with a fresh nonce per response (the only
 * scripts that run are ours, carrying it), no framing, no plugins, no <base>, forms only to ourselves.
 * (No caching of pages that show customer data: the app-wide `noStore` in src/http.)
 */
import { randomBytes } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AdminEnv } from "./deps.ts";

export function contentSecurityPolicy(nonce: string): string {
	return [
		"default-src 'none'",
		`script-src 'nonce-${nonce}'`,
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
		"object-src 'none'",
		"base-uri 'none'",
	].join("; ");
}

export function securityHeaders(): MiddlewareHandler<AdminEnv> {
	return async (c, next) => {
		const nonce = randomBytes(18).toString("base64");
		c.set("nonce", nonce);
		await next();
		const headers = c.res.headers;
		headers.set("content-security-policy", contentSecurityPolicy(nonce));
		headers.set("x-content-type-options", "nosniff");
		headers.set("x-frame-options", "DENY");
		// same-origin, not no-referrer: under no-referrer Chrome sends `Origin: null` on our own form posts,
		// which the CSRF check must refuse. Other sites still get no Referer (no customer ids leak).
		headers.set("referrer-policy", "same-origin");
		headers.set("cross-origin-opener-policy", "same-origin");
		headers.set("cross-origin-resource-policy", "same-origin");
		headers.set(
			"permissions-policy",
			"camera=(), microphone=(), geolocation=(), payment=()",
		);
	};
}
