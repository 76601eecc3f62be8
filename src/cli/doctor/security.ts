/**
 * `plumb doctor`'s configuration checks, judged on a configuration summary: the local shell's, or with
 * `--url` the running instance's own (GET /admin/api/instance). Stripe secrets, the admin token, CORS,
 * the public URL.
 */
import type { ConfigSummary } from "../../config/index.ts";
import type { Check } from "./check.ts";

export function securityChecks(summary: ConfigSummary): Check[] {
	const has = (name: ConfigSummary["variables"]["set"][number]) =>
		summary.variables.set.includes(name);
	const production = summary.env === "production";
	const checks: Check[] = [
		has("STRIPE_WEBHOOK_SECRET")
			? { status: "pass", title: "Stripe: STRIPE_WEBHOOK_SECRET is set" }
			: {
					status: "fail",
					title:
						"Stripe: STRIPE_WEBHOOK_SECRET is not set (webhooks are answered 503 until it is)",
					fix: "Copy the signing secret of your webhook endpoint (Stripe Dashboard › Developers › Webhooks) into STRIPE_WEBHOOK_SECRET.",
				},
	];
	if (summary.stripe_key_mode !== null)
		checks.push(
			summary.stripe_key_mode === "test" && production
				? {
						status: "fail",
						title: "Stripe: STRIPE_API_KEY is a test-mode key in production",
						fix: "Use a live restricted key (rk_live_…).",
					}
				: {
						status: "pass",
						title: `Stripe: STRIPE_API_KEY is a ${summary.stripe_key_mode}-mode key`,
					},
		);
	checks.push(
		has("ADMIN_TOKEN")
			? { status: "pass", title: "Admin: /admin needs ADMIN_TOKEN" }
			: {
					status: "fail",
					title:
						"Admin: ADMIN_TOKEN is not set (the dashboard and admin API refuse everyone)",
					fix: "Set ADMIN_TOKEN to a long random value: openssl rand -hex 32",
				},
	);
	const origins = summary.cors.origins;
	checks.push(
		summary.cors.any
			? {
					status: "fail",
					title: "CORS: PLUMB_CORS_ORIGINS allows every origin (*) to call /v1",
					fix: "List your app's origins instead, e.g. PLUMB_CORS_ORIGINS=https://app.example.com",
				}
			: {
					status: "pass",
					title:
						origins === 0
							? "CORS: no browser origin may call /v1 (the default)"
							: `CORS: /v1 allows ${origins} listed ${origins === 1 ? "origin" : "origins"}`,
				},
	);
	if (production && !summary.public_url_set)
		checks.push({
			status: "fail",
			title: `Links: PLUMB_PUBLIC_URL is not set, so alerts link to ${summary.public_url}`,
			fix: "Set PLUMB_PUBLIC_URL to the address people reach Plumb at.",
		});
	return checks;
}
