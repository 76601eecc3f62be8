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
		"Create a private app with the contact scopes (README, section Connectors) and set HUBSPOT_ACCESS_TOKEN to its token.",
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
	const probes: Array<Promise<Check>> = [];
	const configured = instance ?? configuredConnectors(config);
	/** The instance has it, this shell does not: its credentials cannot be tried from here. */
	const elsewhere = (name: string): Promise<Check> =>
		Promise.resolve({
			status: "skip",
			title: `${name}: configured on the instance; set the same variables here to try its credentials`,
		});
	if (!configured.hubspot)
		probes.push(Promise.resolve(notConfigured("HubSpot")));
	else if (!config.hubspot) probes.push(elsewhere("HubSpot"));
	else {
		const client = createHubSpotClient({
			...config.hubspot,
			fetch: fetchImpl,
			now,
		});
		probes.push(
			vendor(
				"HubSpot",
				FIXES.hubspot,
				() => client.check(AbortSignal.timeout(TIMEOUT_MS)),
				config.hubspot.baseUrl,
			),
		);
	}
	if (!configured.zendesk)
		probes.push(Promise.resolve(notConfigured("Zendesk")));
	else if (!config.zendesk) probes.push(elsewhere("Zendesk"));
	else {
		const client = createZendeskClient({
			...config.zendesk,
			fetch: fetchImpl,
			now,
		});
		probes.push(
			vendor(
				"Zendesk",
				FIXES.zendesk,
				() => client.check(AbortSignal.timeout(TIMEOUT_MS)),
				config.zendesk.baseUrl,
			),
		);
	}
	if (!configured.email)
		probes.push(Promise.resolve(notConfigured("E-mail (SMTP)")));
	else if (!config.email) probes.push(elsewhere("E-mail (SMTP)"));
	else {
		const mailer = createMailer({ smtpUrl: config.email.smtpUrl });
		probes.push(
			vendor("E-mail (SMTP)", FIXES.email, () => mailer.verify()).finally(() =>
				mailer.close(),
			),
		);
	}
	if (!configured.slack) probes.push(Promise.resolve(notConfigured("Slack")));
	else if (!config.slack) probes.push(elsewhere("Slack"));
	else {
		const shape = checkSlackWebhookUrl(config.slack.webhookUrl);
		probes.push(
			Promise.resolve(
				shape.ok
					? { status: "pass", title: `Slack: ${shape.value}` }
					: {
							status: "fail",
							title: `Slack: ${shape.error ?? "not an incoming webhook URL"}`,
							fix: FIXES.slack,
						},
			),
		);
	}
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
