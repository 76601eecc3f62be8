/**
 * `plumb simulate --stand-ins`: HubSpot, Zendesk and Slack stand-ins on loopback, each failing its
 * first call the way the real vendor does on a bad day (HubSpot a 500 then a 429 with Retry-After,
 * Zendesk a call that never answers, Slack a 503), so the report shows retries ending in success.
 */
import type { Check } from "./checks.ts";
import type { StandIn } from "./loopback-vendor.ts";
import {
	HUBSPOT_RATE_LIMIT_BODY,
	startHubSpotStandIn,
	startSlackStandIn,
	startZendeskStandIn,
} from "./vendor-stand-ins.ts";

/** Credentials the stand-ins accept: made up, and only ever sent to loopback. */
const HUBSPOT_TOKEN = "pat-simulate-stand-in";
const ZENDESK = { email: "simulate@example.com", token: "simulate-stand-in" };

export interface VendorStandIns {
	/** The connector settings that point an instance at the stand-ins (as Config holds them). */
	connectors: {
		hubspot: { accessToken: string; baseUrl: string };
		zendesk: { baseUrl: string; email: string; apiToken: string };
		slack: { webhookUrl: string };
	};
	/** The same, as the variables an instance started elsewhere needs. */
	env: Record<string, string>;
	checks(): Check[];
	close(): Promise<void>;
}

/** `port` is HubSpot's; Zendesk and Slack take the next two. 0: any free ports. */
export async function startVendorStandIns(port = 0): Promise<VendorStandIns> {
	const next = (n: number) => (port === 0 ? 0 : port + n);
	// All three or none: a port in use must not leave the others listening (the process would not exit).
	const started = await Promise.allSettled([
		startHubSpotStandIn({ token: HUBSPOT_TOKEN, port }),
		startZendeskStandIn({ ...ZENDESK, port: next(1) }),
		startSlackStandIn({ port: next(2) }),
	] as const);
	const [h, z, sl] = started;
	if (
		h.status !== "fulfilled" ||
		z.status !== "fulfilled" ||
		sl.status !== "fulfilled"
	) {
		await Promise.all(
			started.map((s) =>
				s.status === "fulfilled" ? s.value.close() : undefined,
			),
		);
		const failed = started.find((s) => s.status === "rejected");
		throw new Error(
			`the vendor stand-ins cannot listen on 127.0.0.1:${port}-${next(2)}: ${failed?.reason instanceof Error ? failed.reason.message : String(failed?.reason)} (choose others with --stand-ins-port)`,
		);
	}
	const [hubspot, zendesk, slack] = [h.value, z.value, sl.value];
	hubspot.fail(
		{
			kind: "status",
			status: 500,
			body: { status: "error", message: "internal error" },
		},
		{ times: 1 },
	);
	hubspot.fail(
		{
			kind: "status",
			status: 429,
			headers: { "retry-after": "1" },
			body: HUBSPOT_RATE_LIMIT_BODY,
		},
		{ times: 1 },
	);
	zendesk.fail({ kind: "hang" }, { times: 1 });
	slack.fail(
		{ kind: "status", status: 503, body: "service_unavailable" },
		{ times: 1 },
	);
	return {
		connectors: {
			hubspot: { accessToken: HUBSPOT_TOKEN, baseUrl: hubspot.url },
			zendesk: {
				baseUrl: zendesk.url,
				email: ZENDESK.email,
				apiToken: ZENDESK.token,
			},
			slack: { webhookUrl: slack.webhookUrl },
		},
		env: {
			HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
			HUBSPOT_BASE_URL: hubspot.url,
			ZENDESK_BASE_URL: zendesk.url,
			ZENDESK_EMAIL: ZENDESK.email,
			ZENDESK_API_TOKEN: ZENDESK.token,
			SLACK_WEBHOOK_URL: slack.webhookUrl,
		},
		checks: () => [
			vendorCheck(
				"HubSpot",
				hubspot,
				"500, then 429 (Retry-After: 1)",
				`${hubspot.contacts.size} contact(s): ${[...hubspot.contacts.keys()].join(", ")}`,
			),
			vendorCheck(
				"Zendesk",
				zendesk,
				"a call left unanswered (timeout)",
				`${zendesk.tickets.size} ticket(s)`,
			),
			vendorCheck("Slack", slack, "503", `${slack.messages.length} message(s)`),
		],
		async close() {
			await Promise.all([hubspot.close(), zendesk.close(), slack.close()]);
		},
	};
}

/**
 * ✓ when a call succeeded after the injected faults, ✗ when the faults were met and nothing got
 * through after them, – when the instance never called this vendor (not pointed at it, or nothing to send).
 */
function vendorCheck(
	name: string,
	standIn: StandIn,
	faults: string,
	holds: string,
): Check {
	const calls = standIn.requests.length;
	if (calls === 0)
		return { mark: "–", text: `${name} stand-in: received nothing` };
	return {
		mark: holds.startsWith("0 ") ? "✗" : "✓",
		text: `${name} stand-in: ${calls} call(s), injected ${faults}; holds ${holds}`,
	};
}
