/** `plumb doctor`'s connector checks: each configured vendor's credentials tried with one harmless read. */
import {
	type Config,
	type ConfigSummary,
	configuredConnectors,
} from "../../config/index.ts";
import {
	checkSlackWebhookUrl,
	createHubSpotClient,
	createMailer,
	createZendeskClient,
} from "../../connectors/index.ts";
import type { DeliveryOutcome, Result } from "../../core/index.ts";
import { hostOf } from "../failure-words.ts";
import type { Check } from "./check.ts";

const TIMEOUT_MS = 10_000;

const FIXES = {
	hubspot:
		"Create a private app with the contact scopes (docs/connectors.md, HubSpot) and set HUBSPOT_ACCESS_TOKEN to its token.",
	zendesk:
		"Check ZENDESK_BASE_URL, ZENDESK_EMAIL (an agent) and ZENDESK_API_TOKEN (Admin Center › Apps and integrations › Zendesk API).",
	email:
		"Check the host, port, user and password in SMTP_URL (URL-encode special characters in the password).",
	slack:
		"Create an incoming webhook (api.slack.com/apps › Incoming Webhooks) and set SLACK_WEBHOOK_URL to its URL.",
};

/** HubSpot, Zendesk, SMTP (harmless reads) and Slack (by format), plus "is any alert channel set". */
export async function connectorChecks(
	config: Config,
	/**
	 * With `--url`: which connectors the instance has. Those it lacks are "not configured"; those it has
	 * are tried with this shell's credentials when it has them too.
	 */
	instance?: ConfigSummary["connectors"],
	fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init),
): Promise<Check[]> {
	const now = Date.now;
	const configured = instance ?? configuredConnectors(config);
	/**
	 * Not configured (on the instance with --url), configured there but not in this shell (its
	 * credentials cannot be tried from here), or tried here with `run`.
	 */
	const each = <S>(
		name: string,
		there: boolean,
		here: S | undefined,
		run: (settings: S) => Promise<Check>,
	): Promise<Check> =>
		!there
			? Promise.resolve(notConfigured(name))
			: here === undefined
				? Promise.resolve({
						status: "skip",
						title: `${name}: configured on the instance; set the same variables here to try its credentials`,
					})
				: run(here);
	const signal = () => AbortSignal.timeout(TIMEOUT_MS);
	const http = { fetch: fetchImpl, now };
	const probes = [
		each("HubSpot", configured.hubspot, config.hubspot, (settings) => {
			const client = createHubSpotClient({ ...settings, ...http });
			const check = () => client.check(signal());
			return vendor("HubSpot", FIXES.hubspot, check, settings.baseUrl);
		}),
		each("Zendesk", configured.zendesk, config.zendesk, (settings) => {
			const client = createZendeskClient({ ...settings, ...http });
			const check = () => client.check(signal());
			return vendor("Zendesk", FIXES.zendesk, check, settings.baseUrl);
		}),
		each("E-mail (SMTP)", configured.email, config.email, (settings) => {
			const mailer = createMailer({ smtpUrl: settings.smtpUrl });
			return vendor("E-mail (SMTP)", FIXES.email, () =>
				mailer.verify(),
			).finally(() => mailer.close());
		}),
		each("Slack", configured.slack, config.slack, async (settings) => {
			const shape = checkSlackWebhookUrl(settings.webhookUrl);
			return shape.ok
				? { status: "pass", title: `Slack: ${shape.value}` }
				: {
						status: "fail",
						title: `Slack: ${shape.error ?? "not an incoming webhook URL"}`,
						fix: FIXES.slack,
					};
		}),
	];
	const checks = await Promise.all(probes);
	checks.push(
		configured.slack || configured.email
			? {
					status: "pass",
					title: `Alerts go to ${[configured.slack ? "Slack" : "", configured.email ? "e-mail" : ""].filter(Boolean).join(" and ")}`,
				}
			: {
					status: "fail",
					title:
						"Alerts go nowhere: neither Slack nor e-mail is configured (dead deliveries and alert rules only show in the dashboard)",
					fix: "Set SLACK_WEBHOOK_URL, or SMTP_URL with ALERT_EMAIL_TO and ALERT_EMAIL_FROM.",
				},
	);
	return checks;
}

async function vendor(
	name: string,
	fix: string,
	probe: () => Promise<Result<string, DeliveryOutcome>>,
	/** The vendor's API address: a failure to reach it names its host. */
	baseUrl?: string,
): Promise<Check> {
	try {
		const result = await probe();
		if (result.ok) return { status: "pass", title: `${name}: ${result.value}` };
		const reason =
			result.error === undefined || result.error.kind === "ok"
				? "unexpected answer"
				: result.error.reason;
		// The connector's own words keep hosts out of delivery errors; here the operator needs it.
		const where =
			baseUrl !== undefined &&
			/could not be reached|did not answer/.test(reason)
				? ` at ${hostOf(baseUrl)}`
				: "";
		return { status: "fail", title: `${name}: ${reason}${where}`, fix };
	} catch (error) {
		return {
			status: "fail",
			title: `${name}: the check failed (${error instanceof Error ? error.message : String(error)})`,
			fix,
		};
	}
}

function notConfigured(name: string): Check {
	return {
		status: "skip",
		title: `${name}: not configured (its deliveries are recorded as skipped until it is)`,
	};
}
