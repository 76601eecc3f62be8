/**
 * `plumb doctor`: a launch-readiness checklist, ✓ or ✗ with a one-line fix each; exit 1 on any ✗.
 * With `--url` it judges the running instance: its own configuration (admin API) and public URL, then
 * from outside, through any CDN in front (TLS certificate, no cache, webhook refuses unsigned requests,
 * /admin is closed, CORS). It never prints a secret: every line
 * passes the log scrubber with config's secrets.
 */
import { parseArgs } from "node:util";
import {
	type Config,
	ConfigError,
	loadConfig,
	summarizeConfig,
} from "../../config/index.ts";
import { createScrubber } from "../../observability/index.ts";
import { hostOf } from "../failure-words.ts";
import { instanceUrl } from "../instance-api.ts";
import { billingWebhookSettingsChecks } from "./billing-webhooks.ts";
import { cachingChecks } from "./caching.ts";
import { certificateChecks } from "./certificate.ts";
import type { Check, CheckStatus } from "./check.ts";
import { connectorChecks } from "./connectors.ts";
import { databaseChecks } from "./database.ts";
import { instanceChecks } from "./instance.ts";
import { instanceConfigChecks } from "./instance-config.ts";
import { publicUrlCheck } from "./public-url.ts";
import { securityChecks } from "./security.ts";
import { stripeApiChecks } from "./stripe-api.ts";

export const DOCTOR_USAGE = `Usage: plumb doctor [--url https://plumb.example.com]

Checks launch readiness: configuration, database, each configured connector's credentials (a harmless
read), Stripe webhook secrets, RevenueCat and PayPal webhook settings, the Stripe API key's permissions and webhook endpoint (with
STRIPE_API_KEY), admin token, CORS and the clock.
With --url (and the instance's ADMIN_TOKEN), it judges the running instance instead of this shell: the
instance reports its own configuration (which secrets are set, never their values), connectors and
database, and whether its PLUMB_PUBLIC_URL is the --url address; then doctor tries it from outside:
the TLS certificate of an https address (trusted, made out for the host, days left), no cache in front
keeping its answers (Age, CF-Cache-Status), an unsigned webhook refused 401 by Plumb itself, /admin/api
refusing requests without the token, marking those probes so they raise no alert.
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
		url = values.url === undefined ? undefined : instanceUrl(values.url);
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
	const sections: ReadonlyArray<{ heading?: string; checks: Check[] }> =
		url === undefined
			? [
					{
						checks: [
							{ status: "pass", title: "Configuration is valid" },
							...(await databaseChecks(config)),
							...securityChecks(summarizeConfig(config)),
							...billingWebhookSettingsChecks(summarizeConfig(config)),
							...(await connectorChecks(config)),
							...(await stripeApiChecks(config)),
						],
					},
				]
			: await againstInstance(config, url);
	let failed = 0;
	sections.forEach((section, index) => {
		if (section.heading)
			process.stdout.write(`${index > 0 ? "\n" : ""}${section.heading}\n`);
		const clean = section.checks.map((check) => ({
			...check,
			title: scrub(check.title),
			fix: check.fix === undefined ? undefined : scrub(check.fix),
		}));
		print(clean);
		failed += clean.filter((check) => check.status === "fail").length;
	});
	return summary(failed);
}

/**
 * `--url`: the instance's own configuration and database (asked with ADMIN_TOKEN), the vendor
 * credentials this shell holds, then the instance tried from outside with marked probes.
 */
async function againstInstance(
	config: Config,
	url: string,
): Promise<Array<{ heading: string; checks: Check[] }>> {
	const host = hostOf(url);
	const asked = await instanceConfigChecks(config, url);
	const [certificate, caching, outside, stripeApi] = await Promise.all([
		certificateChecks(url),
		cachingChecks(url),
		instanceChecks(config, url, asked.summary?.variables.set ?? []),
		// Stripe's API is tried only with a key of this shell's: the instance never hands its key out.
		config.stripe.apiKey === undefined
			? Promise.resolve([])
			: stripeApiChecks(config),
	]);
	const vendors =
		asked.summary === undefined
			? []
			: await connectorChecks(config, asked.summary.connectors);
	return [
		{
			heading: `The instance at ${host}, as it reports itself:`,
			checks: [
				...asked.checks,
				...(asked.summary === undefined
					? []
					: [publicUrlCheck(asked.summary, url)]),
				...vendors,
			],
		},
		...(stripeApi.length > 0
			? [
					{
						heading: "Stripe's API, with this shell's STRIPE_API_KEY:",
						checks: stripeApi,
					},
				]
			: []),
		{
			heading: `The instance at ${host}, tried from here ${
				config.adminToken === undefined
					? "(probes unmarked: without ADMIN_TOKEN they count as real failures)"
					: "(probes marked, so they raise no alert)"
			}:`,
			checks: [...certificate, ...caching, ...outside],
		},
	];
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
