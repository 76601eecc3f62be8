/**
 * `plumb doctor` for the RevenueCat and PayPal webhooks: whether their settings are present, and with
 * `--url`, whether the running instance takes a RevenueCat test event carrying the configured
 * Authorization (RevenueCat's own "send test event", which Plumb acknowledges and does not store) and
 * refuses one without. PayPal's route is probed with an unsigned request (instance.ts): only PayPal
 * can sign one.
 */
import type { Config, ConfigSummary } from "../../config/index.ts";
import type { Check } from "./check.ts";
import { probeHeaders } from "./probe-headers.ts";

const TIMEOUT_MS = 10_000;

/**
 * Unset settings are `skip`, not failures: a founder may bill through Stripe alone. Judged from a
 * configuration summary, so the shell's and a running instance's read alike.
 */
export function billingWebhookSettingsChecks(summary: ConfigSummary): Check[] {
	const has = (name: ConfigSummary["variables"]["set"][number]) =>
		summary.variables.set.includes(name);
	return [
		has("REVENUECAT_WEBHOOK_AUTH")
			? {
					status: "pass",
					title: "RevenueCat: REVENUECAT_WEBHOOK_AUTH is set",
				}
			: {
					status: "skip",
					title:
						"RevenueCat: REVENUECAT_WEBHOOK_AUTH is not set (RevenueCat webhooks are answered 503)",
				},
		has("PAYPAL_WEBHOOK_ID")
			? { status: "pass", title: "PayPal: PAYPAL_WEBHOOK_ID is set" }
			: {
					status: "skip",
					title:
						"PayPal: PAYPAL_WEBHOOK_ID is not set (PayPal webhooks are answered 503)",
				},
	];
}

/** The running instance's RevenueCat route: no Authorization → 401; the configured one with a TEST event → 200. */
export async function revenueCatInstanceCheck(
	config: Config,
	url: string,
): Promise<Check> {
	const target = `${url}/webhooks/revenuecat`;
	const send = (authorization?: string) =>
		fetch(target, {
			method: "POST",
			headers: {
				"content-type": "application/json",
				// The request without Authorization is refused: marked, it raises no alert.
				...(authorization
					? { authorization }
					: probeHeaders(config, "POST", target)),
			},
			body: JSON.stringify({
				api_version: "1.0",
				event: {
					id: `plumb-doctor-${Date.now()}`,
					type: "TEST",
					event_timestamp_ms: Date.now(),
				},
			}),
			signal: AbortSignal.timeout(TIMEOUT_MS),
		});
	const anonymous = await send();
	await anonymous.body?.cancel();
	if (anonymous.status === 503)
		return config.revenueCatWebhookAuth.length === 0
			? {
					status: "skip",
					title:
						"RevenueCat webhook: not configured on the running instance (503)",
				}
			: {
					status: "fail",
					title:
						"RevenueCat webhook: the running instance has no REVENUECAT_WEBHOOK_AUTH (503)",
					fix: "Set REVENUECAT_WEBHOOK_AUTH where the instance runs and restart it.",
				};
	if (anonymous.status !== 401)
		return {
			status: "fail",
			title: `RevenueCat webhook: a request without Authorization was answered ${anonymous.status}, not 401`,
			fix: "Make sure /webhooks/revenuecat reaches Plumb itself and that Plumb is up to date.",
		};
	const [current] = config.revenueCatWebhookAuth;
	if (current === undefined)
		return {
			status: "pass",
			title:
				"RevenueCat webhook: the running instance refuses a request without Authorization (401)",
		};
	const test = await send(current);
	await test.body?.cancel();
	return test.status === 200
		? {
				status: "pass",
				title:
					"RevenueCat webhook: the running instance refuses a request without Authorization and accepts a test event with this REVENUECAT_WEBHOOK_AUTH",
			}
		: {
				status: "fail",
				title: `RevenueCat webhook: a test event with this REVENUECAT_WEBHOOK_AUTH was answered ${test.status}`,
				fix: "Run doctor with the same REVENUECAT_WEBHOOK_AUTH as the instance, and set the same value in RevenueCat's webhook settings.",
			};
}
