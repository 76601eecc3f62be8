/** `plumb doctor --url`: the running instance checked from outside, the way an attacker would try it. */
import type { Config } from "../../config/index.ts";
import { hostOf, isCertificateProblem, unreachable } from "../failure-words.ts";
import { revenueCatInstanceCheck } from "./billing-webhooks.ts";
import type { Check } from "./check.ts";
import { probeHeaders } from "./probe-headers.ts";

const TIMEOUT_MS = 10_000;

/**
 * An unsigned Stripe or PayPal webhook must get 401 (marked as a probe when ADMIN_TOKEN is set, so the
 * instance counts it apart instead of as a failed verification); RevenueCat's route must refuse a request
 * without its Authorization and take a test event with it; /admin/api must refuse a request without the
 * token and take one with it; a browser from an unknown origin must get no CORS grant on /v1.
 */
export async function instanceChecks(
	config: Config,
	url: string,
	/** The variables the instance reports set: an optional provider it does not use is not probed. */
	instanceSet: readonly string[],
): Promise<Check[]> {
	const notConfigured = (name: string): Promise<Check> =>
		Promise.resolve({
			status: "skip",
			title: `${name} webhook: not configured on the running instance (not probed)`,
		});
	return Promise.all([
		probe("Stripe webhook", url, () =>
			unsignedWebhook(config, url, {
				name: "Stripe",
				path: "/webhooks/stripe",
				variable: "STRIPE_WEBHOOK_SECRET",
			}),
		),
		instanceSet.includes("REVENUECAT_WEBHOOK_AUTH")
			? probe("RevenueCat webhook", url, () =>
					revenueCatInstanceCheck(config, url),
				)
			: notConfigured("RevenueCat"),
		instanceSet.includes("PAYPAL_WEBHOOK_ID")
			? probe("PayPal webhook", url, () =>
					unsignedWebhook(config, url, {
						name: "PayPal",
						path: "/webhooks/paypal",
						variable: "PAYPAL_WEBHOOK_ID",
					}),
				)
			: notConfigured("PayPal"),
		probe("Admin", url, () => adminLocked(config, url)),
		probe("CORS", url, () => corsClosed(url)),
	]);
}

async function probe(
	name: string,
	url: string,
	run: () => Promise<Check>,
): Promise<Check> {
	try {
		return await run();
	} catch (error) {
		return unreachableCheck(name, url, error);
	}
}

/** The ✗ of a probe whose request failed: a certificate problem points at the TLS lines. */
export function unreachableCheck(
	name: string,
	url: string,
	error: unknown,
): Check {
	return {
		status: "fail",
		title: `${name}: ${unreachable(url, error)}`,
		fix: isCertificateProblem(error)
			? "Fix the certificate first (see the TLS lines): nothing reaches Plumb through it."
			: "Check that Plumb is running at --url and reachable from here.",
	};
}

/**
 * An unsigned request to a provider's webhook must reach Plumb and get its 401; a 401 from something in
 * front of Plumb, or a 503 (the setting is missing there), is a ✗.
 */
async function unsignedWebhook(
	config: Config,
	url: string,
	provider: { name: string; path: string; variable: string },
): Promise<Check> {
	const { name, path, variable } = provider;
	const target = `${url}${path}`;
	const res = await fetch(target, {
		method: "POST",
		headers: {
			"content-type": "application/json",
			...probeHeaders(config, "POST", target),
		},
		body: "{}",
		signal: AbortSignal.timeout(TIMEOUT_MS),
	});
	// Plumb's refusal is its JSON error body: a 401 without it came from something in front (a CDN's
	// or proxy's own access rule), which would also stop Stripe's signed deliveries.
	const body: unknown = await res.json().catch(() => undefined);
	const fromPlumb =
		typeof body === "object" &&
		body !== null &&
		(body as { error?: unknown }).error === "invalid_signature";
	if (res.status === 401 && fromPlumb)
		return {
			status: "pass",
			title: `${name} webhook: an unsigned request to ${hostOf(url)} reaches Plumb and is refused (401)`,
		};
	if (res.status === 401)
		return {
			status: "fail",
			title: `${name} webhook: an unsigned request to ${hostOf(url)} was refused (401) by something in front of Plumb, not by Plumb`,
			fix: `Let POST ${path} through your CDN or proxy untouched: Plumb checks ${name}'s signature itself.`,
		};
	if (res.status === 503)
		return {
			status: "fail",
			title: `${name} webhook: the running instance has no ${variable} (503)`,
			fix: `Set ${variable} where the instance runs and restart it.`,
		};
	return {
		status: "fail",
		title: `${name} webhook: an unsigned request was answered ${res.status}, not 401`,
		fix: `Make sure ${path} reaches Plumb itself (no proxy answering for it) and that Plumb is up to date.`,
	};
}

async function adminLocked(config: Config, url: string): Promise<Check> {
	const target = `${url}/admin/api/events?limit=1`;
	const open = await fetch(target, { signal: AbortSignal.timeout(TIMEOUT_MS) });
	await open.body?.cancel();
	if (open.status !== 401)
		return {
			status: "fail",
			title: `Admin: /admin/api answered ${open.status} to a request without a token`,
			fix: "Set ADMIN_TOKEN where the instance runs; nothing may sit in front of /admin that answers for it.",
		};
	if (config.adminToken === undefined)
		return {
			status: "pass",
			title:
				"Admin: the running instance refuses /admin/api without a token (401)",
		};
	const withToken = await fetch(target, {
		headers: { authorization: `Bearer ${config.adminToken}` },
		signal: AbortSignal.timeout(TIMEOUT_MS),
	});
	await withToken.body?.cancel();
	return withToken.ok
		? {
				status: "pass",
				title:
					"Admin: the running instance refuses /admin/api without the token and accepts this ADMIN_TOKEN",
			}
		: {
				status: "fail",
				title: `Admin: the running instance answered ${withToken.status} to this ADMIN_TOKEN`,
				fix: "Run doctor with the same ADMIN_TOKEN as the instance.",
			};
}

async function corsClosed(url: string): Promise<Check> {
	const origin = "https://plumb-doctor.invalid";
	const res = await fetch(`${url}/v1/events`, {
		method: "OPTIONS",
		headers: {
			origin,
			"access-control-request-method": "POST",
			"access-control-request-headers": "authorization, content-type",
		},
		signal: AbortSignal.timeout(TIMEOUT_MS),
	});
	await res.body?.cancel();
	const granted = res.headers.get("access-control-allow-origin");
	return granted === "*" || granted === origin
		? {
				status: "fail",
				title: `CORS: the running instance lets any origin call /v1 (allow-origin: ${granted})`,
				fix: "Set PLUMB_CORS_ORIGINS to your app's origins only.",
			}
		: {
				status: "pass",
				title: "CORS: the running instance grants /v1 to no unknown origin",
			};
}
