/**
 * `plumb simulate [first-payment | full | in-app]`: realistic signed traffic against an instance, then an
 * acceptance report (what was sent, the state that resulted, what each vendor stand-in received),
 * exit 0 when every check passes, 1 otherwise, 2 for a usage error.
 *
 * Without --url it starts Plumb itself in this process (the quick start's one terminal: same
 * environment, so the same secrets), runs the scenario against it, and keeps serving the dashboard
 * until Ctrl-C (or stops at once with --exit). With --url it drives an instance running elsewhere,
 * signing with the secrets of this environment, which must be the instance's.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import {
	type Config,
	configuredConnectors,
	durationSchema,
} from "../../config/index.ts";
import { DataDirInUseError } from "../data-dir-lock.ts";
import type { Check } from "./checks.ts";
import { instanceAt } from "./instance.ts";
import { passed, progressPrinter, renderReport } from "./report.ts";
import {
	REVENUECAT_TRY_OUT,
	runScenario,
	type SimulateSecrets,
} from "./run.ts";
import { buildScenario, SCENARIOS, type ScenarioName } from "./scenarios.ts";
import { startVendorStandIns, type VendorStandIns } from "./stand-ins.ts";

export const SIMULATE_USAGE = `Usage:
  plumb simulate [first-payment | full | in-app] [--stand-ins] [--exit] [--wait 60s]
  plumb simulate [first-payment | full | in-app] --url http://127.0.0.1:8787 [--stand-ins [--stand-ins-port 8790]]

Sends signed Stripe events, a Supabase signup, an app intent, a Zendesk status change and (with
REVENUECAT_WEBHOOK_AUTH) an in-app subscriber's RevenueCat events, with duplicates, reordering and
same-second ties, then checks the state through the admin API.
Without --url it starts Plumb here and keeps it running afterwards (--exit stops it after the report).
Needs STRIPE_WEBHOOK_SECRET and ADMIN_TOKEN, the instance's own; see docs/simulate.md.`;

/** What `plumb simulate` needs from main.ts: start Plumb here and call back once it is ready. */
export type StartInstance = (
	config: Config,
	afterReady: (url: string) => Promise<{ code: number; keepRunning: boolean }>,
) => Promise<number>;

interface Args {
	scenario: ScenarioName;
	url: string | undefined;
	standIns: boolean;
	standInsPort: number;
	exit: boolean;
	waitMs: number;
}

function parse(argv: readonly string[]): Args {
	const { positionals, values } = parseArgs({
		args: [...argv],
		allowPositionals: true,
		strict: true,
		options: {
			url: { type: "string" },
			"stand-ins": { type: "boolean" },
			"stand-ins-port": { type: "string" },
			exit: { type: "boolean" },
			wait: { type: "string" },
		},
	});
	const [scenario = "full", ...rest] = positionals;
	if (!(SCENARIOS as readonly string[]).includes(scenario) || rest.length > 0)
		throw new Error(
			`Unknown scenario ${JSON.stringify(scenario)}: choose ${SCENARIOS.join(", ")}.`,
		);
	if (values.url !== undefined && !/^https?:\/\/\S+$/.test(values.url))
		throw new Error("--url must be the instance's http(s) address.");
	const wait = durationSchema.safeParse(values.wait ?? "60s");
	if (!wait.success)
		throw new Error("--wait must be a duration such as 30s or 2m.");
	const port = Number(values["stand-ins-port"] ?? "8790");
	if (!Number.isInteger(port) || port < 1 || port > 65533)
		throw new Error("--stand-ins-port must be a port number.");
	return {
		scenario: scenario as ScenarioName,
		url: values.url,
		standIns: values["stand-ins"] ?? false,
		standInsPort: port,
		exit: values.exit ?? false,
		waitMs: wait.data,
	};
}

/** The instance's secrets, from this process's configuration (the only reader of the environment). */
function secretsOf(config: Config): SimulateSecrets {
	return {
		stripeWebhookSecret: config.stripe.webhookSecrets[0],
		jwt: config.supabase.jwtSecret
			? {
					secret: config.supabase.jwtSecret,
					audience: config.supabase.jwtAudience,
					issuer: config.supabase.jwtIssuer,
				}
			: undefined,
		apiKey: config.apiKeys[0],
		supabaseWebhookSecret: config.supabase.webhookSecret,
		zendeskWebhookSecret: config.zendeskWebhookSecrets[0],
		revenueCatAuthorization: config.revenueCatWebhookAuth[0],
	};
}

/** Without these the run cannot be judged at all: say so before sending anything. */
function missing(config: Config, scenario: ScenarioName): string[] {
	const problems: string[] = [];
	if (scenario === "in-app" && config.revenueCatWebhookAuth.length === 0)
		problems.push(
			`REVENUECAT_WEBHOOK_AUTH is not set: RevenueCat events cannot be authorized. For a local try-out:\n      ${REVENUECAT_TRY_OUT}`,
		);
	if (scenario !== "in-app" && config.stripe.webhookSecrets.length === 0)
		problems.push(
			"STRIPE_WEBHOOK_SECRET is not set: Stripe events cannot be signed. For a local try-out:\n      export STRIPE_WEBHOOK_SECRET=whsec_test_secret_for_local_use",
		);
	if (config.adminToken === undefined)
		problems.push(
			"ADMIN_TOKEN is not set: the resulting state is read through the admin API. Make one:\n      export ADMIN_TOKEN=$(openssl rand -hex 32)",
		);
	return problems;
}

/** `argv` is everything after `simulate`. */
export async function simulateCommand(
	config: Config,
	argv: readonly string[],
	startInstance: StartInstance,
): Promise<number> {
	let args: Args;
	try {
		args = parse(argv);
	} catch (error) {
		process.stderr.write(
			`${error instanceof Error ? error.message : String(error)}\n\n${SIMULATE_USAGE}\n`,
		);
		return 2;
	}
	const problems = missing(config, args.scenario);
	if (problems.length > 0) {
		process.stderr.write(
			`plumb simulate cannot run yet:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSet them where the instance runs too: simulate signs with the instance's own secrets.\n`,
		);
		return 1;
	}
	const standIns = args.standIns
		? await startVendorStandIns(args.url === undefined ? 0 : args.standInsPort)
		: undefined;
	try {
		if (args.url !== undefined) {
			if (standIns) process.stdout.write(standInsNote(standIns));
			const { code } = await simulate(config, args, args.url, standIns);
			return code;
		}
		return await simulateHere(config, args, standIns, startInstance);
	} finally {
		await standIns?.close();
	}
}

/** The quick start: Plumb started in this process, the scenario run against it once it is ready. */
async function simulateHere(
	config: Config,
	args: Args,
	standIns: VendorStandIns | undefined,
	startInstance: StartInstance,
): Promise<number> {
	const live = Object.entries(configuredConnectors(config))
		.filter(([, configured]) => configured)
		.map(([name]) => name);
	if (standIns === undefined && live.length > 0)
		process.stdout.write(
			`Note: ${live.join(", ")} configured here: the simulated customers (…@example.com) will reach them. --stand-ins keeps them on loopback.\n`,
		);
	try {
		return await startInstance(withStandIns(config, standIns), async (url) => {
			const outcome = await simulate(config, args, url, standIns);
			if (!args.exit)
				process.stdout.write(
					`\nPlumb keeps running: open ${url}/admin and log in with ADMIN_TOKEN. Ctrl-C stops it.\n`,
				);
			return { ...outcome, keepRunning: !args.exit };
		});
	} catch (error) {
		// Plumb already runs on this data directory: drive that one instead of starting another.
		if (!(error instanceof DataDirInUseError)) throw error;
		process.stderr.write(
			`${error.message}\nIs that your running Plumb? Drive it instead: plumb simulate ${args.scenario} --url ${config.publicUrl}\n`,
		);
		return 1;
	}
}

async function simulate(
	config: Config,
	args: Args,
	url: string,
	standIns: VendorStandIns | undefined,
): Promise<{ code: number }> {
	const run = randomBytes(3).toString("hex");
	const scenario = buildScenario(
		args.scenario,
		run,
		Math.floor(Date.now() / 1000),
		{
			id: randomUUID(),
			email: "grace@example.com",
			name: "Grace Hopper",
		},
	);
	const progress = progressPrinter(process.stdout);
	let vendorChecks: Check[] = [];
	const report = await runScenario(
		instanceAt(url, config.adminToken),
		scenario,
		secretsOf(config),
		{
			waitMs: args.waitMs,
			onProgress: progress.step,
			...(standIns
				? {
						vendorChecks: () => {
							vendorChecks = standIns.checks();
							return vendorChecks;
						},
					}
				: {}),
		},
	);
	progress.end();
	process.stdout.write(
		renderReport(
			report,
			`plumb simulate ${scenario.name} → ${url} (run ${run})`,
			vendorChecks,
		),
	);
	if (passed(report))
		process.stdout.write(
			`See it: ${url}/admin, search ${scenario.customers[0]?.email ?? ""}\n`,
		);
	return { code: passed(report) ? 0 : 1 };
}

/** The instance this command starts talks to the stand-ins, with short vendor timeouts and backoffs so faults clear in seconds. */
function withStandIns(
	config: Config,
	standIns: VendorStandIns | undefined,
): Config {
	// Its own instance logs warnings and errors only, so the report stays readable (LOG_LEVEL=debug shows more).
	const logLevel = config.logLevel === "info" ? "warn" : config.logLevel;
	if (standIns === undefined) return { ...config, logLevel };
	return {
		...config,
		logLevel,
		...standIns.connectors,
		delivery: {
			...config.delivery,
			timeoutMs: 2_000,
			backoffBaseMs: 500,
			backoffMaxMs: 5_000,
		},
		secretValues: [
			...config.secretValues,
			standIns.connectors.hubspot.accessToken,
			standIns.connectors.zendesk.apiToken,
			standIns.connectors.slack.webhookUrl,
		],
	};
}

function standInsNote(standIns: VendorStandIns): string {
	const vars = Object.entries(standIns.env).map(
		([name, value]) => `  ${name}=${value}`,
	);
	return `Vendor stand-ins are listening. The instance must have been started with:\n${vars.join("\n")}\n(and, for the injected timeout to clear quickly, PLUMB_DELIVERY_TIMEOUT=2s)\n\n`;
}
