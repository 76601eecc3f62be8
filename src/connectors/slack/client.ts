/** Thin client for one Slack incoming webhook: POST JSON, "ok" on success, an error code otherwise. */
import {
	type DeliveryOutcome,
	err,
	ok,
	outcome,
	type Result,
} from "../../core/index.ts";
import {
	classifyFailure,
	type HttpReply,
	isSuccess,
	safeText,
	send,
	type VendorProfile,
} from "../http.ts";

export interface SlackClientOptions {
	/** The webhook URL is itself the credential: it is never logged or put in a reason. */
	webhookUrl: string;
	fetch: typeof fetch;
	now: () => number;
}

const RECONFIGURE = "create a new incoming webhook and set SLACK_WEBHOOK_URL";

/**
 * `plumb doctor` checks the webhook only by its shape: posting would put a message in the channel.
 * Incoming webhooks are https://hooks.slack.com/services/T…/B…/<secret> (a loopback URL of the same
 * shape is accepted for local stand-ins). The message never repeats the URL: it is the secret.
 */
export function checkSlackWebhookUrl(
	webhookUrl: string,
): Result<string, string> {
	let url: URL;
	try {
		url = new URL(webhookUrl);
	} catch {
		return err("SLACK_WEBHOOK_URL is not a URL");
	}
	if (!/^\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/.test(url.pathname))
		return err(
			"SLACK_WEBHOOK_URL does not look like an incoming webhook (…/services/T…/B…/…)",
		);
	if (url.protocol === "https:" && url.hostname === "hooks.slack.com")
		return ok("an incoming webhook URL (checked by format only)");
	if (["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
		return ok(
			"a loopback stand-in of an incoming webhook (checked by format only)",
		);
	return err("SLACK_WEBHOOK_URL must be https://hooks.slack.com/services/…");
}

/**
 * Slack's plain-text error codes (slack/NOTES.md, from the 2016-05-17 changelog "Improving error
 * conditions for Incoming Webhooks" and the incoming-webhooks docs) and what the operator should do.
 */
const ERROR_HINTS: Record<string, string> = {
	no_service: `Slack no longer knows this incoming webhook (no_service: revoked or disabled): ${RECONFIGURE}`,
	channel_not_found: `The webhook's channel no longer exists (channel_not_found): ${RECONFIGURE}`,
	channel_is_archived: `The webhook's channel is archived (channel_is_archived): unarchive it or ${RECONFIGURE}`,
	action_prohibited: `Slack refused to post (action_prohibited): a workspace admin restricted this webhook; ${RECONFIGURE}`,
	posting_to_general_channel_denied: `Slack refused to post to #general (posting_to_general_channel_denied): ${RECONFIGURE} for another channel`,
	invalid_token: `Slack rejected the incoming webhook (invalid_token): ${RECONFIGURE}`,
	invalid_payload:
		"Slack refused the message (invalid_payload): a Plumb bug, please report it",
};

/** Slack asks for about one message a second per webhook; it sends Retry-After with its 429s. */
const RATE_LIMIT_FALLBACK_MS = 30_000;

export function createSlackClient(options: SlackClientOptions) {
	const secretPath = new URL(options.webhookUrl).pathname;
	const profile: VendorProfile = {
		name: "Slack",
		unauthorized: `Slack rejected the incoming webhook (401): ${RECONFIGURE}`,
		forbidden: "Slack refused to post (403)",
		secrets: [options.webhookUrl, secretPath],
		message: (reply) => reply.text.trim().slice(0, 100) || undefined,
	};

	function failure(reply: HttpReply): DeliveryOutcome {
		const code = /^[a-z_]{2,60}$/.test(reply.text.trim())
			? reply.text.trim()
			: "";
		const hint = ERROR_HINTS[code];
		const retryable = reply.status === 429 || reply.status >= 500;
		if (hint !== undefined && !retryable)
			return outcome.permanent(safeText(hint, profile.secrets), reply.status);
		return classifyFailure(
			reply,
			profile,
			options.now(),
			RATE_LIMIT_FALLBACK_MS,
		);
	}

	return {
		profile,
		async post(
			message: unknown,
			signal: AbortSignal,
		): Promise<Result<true, DeliveryOutcome>> {
			const sent = await send(
				options.fetch,
				{ method: "POST", url: options.webhookUrl, headers: {}, body: message },
				signal,
				"Slack",
			);
			if (!sent.ok) return sent;
			// "Treat 200 as success and anything else as failure" (slack/NOTES.md).
			if (isSuccess(sent.value)) return ok(true);
			return err(failure(sent.value));
		},
	};
}
