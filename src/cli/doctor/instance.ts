/** `plumb doctor --url`: the running instance checked from outside, the way an attacker would try it. */
import type { Config } from "../../config/index.ts";
import { revenueCatInstanceCheck } from "./billing-webhooks.ts";
import type { Check } from "./check.ts";

const TIMEOUT_MS = 10_000;

/**
 * An unsigned Stripe webhook must get 401 (it counts as one failed verification in the instance's
 * alert rule); /admin/api must refuse a request without the token and take one with it; a browser
 * from an unknown origin must get no CORS grant on /v1.
 */
export async function instanceChecks(
	config: Config,
	url: string,
): Promise<Check[]> {
	return Promise.all([
		probe("Stripe webhook", () =>
			unsignedWebhook(url, {
				name: "Stripe",
				path: "/webhooks/stripe",
				variable: "STRIPE_WEBHOOK_SECRET",
				configured: true,
			}),
		),
		probe("RevenueCat webhook", () => revenueCatInstanceCheck(config, url)),
		probe("PayPal webhook", () =>
			unsignedWebhook(url, {
				name: "PayPal",
				path: "/webhooks/paypal",
				variable: "PAYPAL_WEBHOOK_ID",
				configured: config.paypalWebhookId !== undefined,
			}),
		),
		probe("Admin", () => adminLocked(config, url)),
		probe("CORS", () => corsClosed(url)),
	]);
}

async function probe(name: string, run: () => Promise<Check>): Promise<Check> {
	try {
		return await run();
	} catch (error) {
		return {
			status: "fail",
			title: `${name}: the running instance did not answer (${error instanceof Error ? error.message : String(error)})`,
			fix: "Check that Plumb is running at --url and reachable from here.",
		};
	}
}

/**
 * An unsigned request to a provider's webhook must get 401. A 503 means the setting is missing there:
 * a failure when this configuration uses the provider (Stripe always), else a skipped line.
 */
export async function unsignedWebhook(
	url: string,
	provider: {
		name: string;
		path: string;
		variable: string;
		configured: boolean;
	},
): Promise<Check> {
	const { name, path, variable, configured } = provider;
	const res = await fetch(`${url}${path}`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: "{}",
		signal: AbortSignal.timeout(TIMEOUT_MS),
	});
	await res.body?.cancel();
	if (res.status === 401)
		return {
			status: "pass",
			title: `${name} webhook: the running instance refuses an unsigned request (401)`,
		};
	if (res.status === 503)
		return configured
			? {
					status: "fail",
					title: `${name} webhook: the running instance has no ${variable} (503)`,
					fix: `Set ${variable} where the instance runs and restart it.`,
				}
			: {
					status: "skip",
					title: `${name} webhook: not configured on the running instance (503)`,
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
