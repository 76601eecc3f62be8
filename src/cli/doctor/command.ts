/**
 * `plumb doctor`: a launch-readiness checklist, ✓ or ✗ with a one-line fix each; exit 1 on any ✗.
 * With `--url` it also asks the running instance (webhook refuses unsigned requests, /admin is
 * closed, CORS). It never prints a secret: every line passes the log scrubber with config's secrets.
 */
import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig } from "../../config/index.ts";
import { createScrubber } from "../../observability/index.ts";
import { billingWebhookSettingsChecks } from "./billing-webhooks.ts";
import type { Check, CheckStatus } from "./check.ts";
import { connectorChecks } from "./connectors.ts";
import { databaseChecks } from "./database.ts";
import { instanceChecks } from "./instance.ts";
import { stripeApiChecks } from "./stripe-api.ts";

export const DOCTOR_USAGE = `Usage: plumb doctor [--url https://plumb.example.com]

Checks launch readiness: configuration, database, each configured connector's credentials (a harmless
read), Stripe webhook secrets, RevenueCat and PayPal webhook settings, the Stripe API key's permissions and webhook endpoint (with STRIPE_API_KEY), admin token, CORS and the clock. With --url, also checks the running
instance from outside (an unsigned webhook gets 401, a RevenueCat test event is accepted, /admin/api refuses requests without the token).
Exit code 1 when any check fails.`;

const MARK: Readonly<Record<CheckStatus, string>> = {
	pass: "✓",
	warn: "!",
	fail: "✗",
	skip: "-",
};

export async function doctorCommand(
	argv: readonly string[],
	/** Defaults to the process environment (read by config/env.ts). */
	env?: Record<string, string | undefined>,
): Promise<number> {
	let url: string | undefined;
	try {
		const { values } = parseArgs({
			args: [...argv],
			strict: true,
			options: { url: { type: "string" } },
		});
		url = values.url?.replace(/\/+$/, "");
		if (url !== undefined && !/^https?:\/\/\S+$/.test(url))
			throw new Error("--url must be the instance's http(s) address.");
	} catch (error) {
		process.stderr.write(
			`${error instanceof Error ? error.message : String(error)}\n\n${DOCTOR_USAGE}\n`,
		);
		return 2;
	}
	process.stdout.write("plumb doctor: launch readiness\n\n");
	let config: Config;
	try {
		config = loadConfig(env);
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		// ConfigError messages name variables, never their values.
		print([
			{
				status: "fail",
				title: `Configuration is invalid:\n${error.problems.map((p) => `      ${p}`).join("\n")}`,
				fix: "Fix the variables named above; nothing else can be checked until then.",
			},
		]);
		return summary(1);
	}
	const scrub = createScrubber(config.secretValues, { maskEmails: false });
	const checks: Check[] = [
		{ status: "pass", title: "Configuration is valid" },
		...(await databaseChecks(config, url)),
		...securityChecks(config),
		...billingWebhookSettingsChecks(config),
		...(await connectorChecks(config)),
		...(await stripeApiChecks(config)),
		...(url === undefined ? [] : await instanceChecks(config, url)),
	];
	const clean = checks.map((check) => ({
		...check,
		title: scrub(check.title),
		fix: check.fix === undefined ? undefined : scrub(check.fix),
	}));
	print(clean);
	return summary(clean.filter((check) => check.status === "fail").length);
}

function print(checks: readonly Check[]): void {
	for (const check of checks) {
		process.stdout.write(`${MARK[check.status]} ${check.title}\n`);
		if ((check.status === "fail" || check.status === "warn") && check.fix)
			process.stdout.write(`    fix: ${check.fix}\n`);
	}
}

function summary(failed: number): number {
	process.stdout.write(
		failed === 0
			? "\nReady: every check passed.\n"
			: `\n${failed} ${failed === 1 ? "check" : "checks"} failed. Fix the ✗ lines and run plumb doctor again.\n`,
	);
	return failed === 0 ? 0 : 1;
}

/** What the configuration alone says: Stripe secrets, the admin token, CORS, the public URL. */
function securityChecks(config: Config): Check[] {
	const checks: Check[] = [];
	const secrets = config.stripe.webhookSecrets.length;
	checks.push(
		secrets > 0
			? {
					status: "pass",
					title: `Stripe: ${secrets} webhook ${secrets === 1 ? "secret" : "secrets"} in whsec_… format`,
				}
			: {
					status: "fail",
					title:
						"Stripe: STRIPE_WEBHOOK_SECRET is not set (webhooks are answered 503 until it is)",
					fix: "Copy the signing secret of your webhook endpoint (Stripe Dashboard › Developers › Webhooks) into STRIPE_WEBHOOK_SECRET.",
				},
	);
	const key = config.stripe.apiKey;
	if (key !== undefined) {
		const test = /^(sk|rk)_test_/.test(key);
		checks.push(
			test && config.env === "production"
				? {
						status: "fail",
						title: "Stripe: STRIPE_API_KEY is a test-mode key in production",
						fix: "Use a live restricted key (rk_live_…).",
					}
				: {
						status: "pass",
						title: `Stripe: STRIPE_API_KEY is a ${test ? "test" : "live"}-mode key`,
					},
		);
	}
	const token = config.adminToken;
	checks.push(
		token === undefined
			? {
					status: "fail",
					title:
						"Admin: ADMIN_TOKEN is not set (the dashboard and admin API refuse everyone)",
					fix: "Set ADMIN_TOKEN to a long random value: openssl rand -hex 32",
				}
			: {
					status: "pass",
					title: `Admin: /admin needs ADMIN_TOKEN (${token.length} characters)`,
				},
	);
	const origins = config.http.corsOrigins;
	checks.push(
		origins.includes("*")
			? {
					status: "fail",
					title: "CORS: PLUMB_CORS_ORIGINS allows every origin (*) to call /v1",
					fix: "List your app's origins instead, e.g. PLUMB_CORS_ORIGINS=https://app.example.com",
				}
			: {
					status: "pass",
					title:
						origins.length === 0
							? "CORS: no browser origin may call /v1 (the default)"
							: `CORS: /v1 allows ${origins.length} listed ${origins.length === 1 ? "origin" : "origins"}`,
				},
	);
	if (
		config.env === "production" &&
		// Unset, it defaults to the listen address, which people elsewhere cannot open.
		config.publicUrl === `http://${config.http.host}:${config.http.port}`
	)
		checks.push({
			status: "fail",
			title: `Links: PLUMB_PUBLIC_URL is not set, so alerts link to ${config.publicUrl}`,
			fix: "Set PLUMB_PUBLIC_URL to the address people reach Plumb at.",
		});
	return checks;
}
