/** Signed Zendesk webhook deliveries with the test secret (the signing itself is plumb simulate's). */
import { signZendesk as sign } from "../../src/cli/simulate/signed-requests.ts";

export const TEST_ZENDESK_SECRET =
	"dGhpcy1pcy1hLXplbmRlc2stc2lnbmluZy1zZWNyZXQ=";

/** base64(HMAC-SHA256(secret, timestamp + body)). */
export function signZendesk(
	body: string,
	timestamp: string,
	secret = TEST_ZENDESK_SECRET,
): string {
	return sign(body, timestamp, secret);
}

/** Request init for POST /webhooks/zendesk, signed now with the test secret. */
export function zendeskRequest(
	body: string,
	timestamp = new Date().toISOString(),
): RequestInit {
	return {
		method: "POST",
		headers: {
			"content-type": "application/json",
			"x-zendesk-webhook-signature-timestamp": timestamp,
			"x-zendesk-webhook-signature": signZendesk(body, timestamp),
		},
		body,
	};
}
