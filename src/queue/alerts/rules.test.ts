import { describe, expect, it } from "vitest";
import type { AlertRuleInputs } from "../../store/index.ts";
import { type AlertRuleSettings, duration, firingAlerts } from "./rules.ts";

/** The thresholds of PRODUCT §7 (also the defaults in config/defaults.ts). */
const settings: AlertRuleSettings = {
	windowMs: 15 * 60_000,
	signatureFailures: 3,
	webhookFailurePercent: 2,
	syncP95Ms: 30_000,
	interventionsPerDay: 5,
	deliveryRetries: 3,
	minSamples: 10,
};
const quiet: AlertRuleInputs = {
	verificationFailures: {},
	webhookFailures: {},
	webhookAccepted: 0,
	syncLatency: { p95Seconds: null, samples: 0 },
	interventionsLastDay: {},
	retrying: [],
};
const keys = (inputs: Partial<AlertRuleInputs>) =>
	firingAlerts({ ...quiet, ...inputs }, settings).map((a) => a.dedupeKey);

describe("firingAlerts (PRODUCT §7 defaults)", () => {
	it("fires nothing on a quiet system", () => {
		expect(keys({})).toEqual([]);
	});

	it("failed webhook verifications: more than 3 in the window, summed over sources", () => {
		expect(keys({ verificationFailures: { stripe: 3 } })).toEqual([]);
		expect(keys({ verificationFailures: { stripe: 2, zendesk: 2 } })).toEqual([
			"rule:webhook_verification",
		]);
		const [alert] = firingAlerts(
			{ ...quiet, verificationFailures: { stripe: 4 } },
			settings,
		);
		expect(alert?.title).toBe("4 failed webhook verifications in 15 min");
		expect(alert?.fields).toEqual([{ label: "Stripe", value: "4" }]);
	});

	it("webhook failure rate: over 2 % of at least minSamples requests", () => {
		// 1 failure in 49: 2.04 % > 2 %.
		expect(
			keys({ webhookFailures: { "400": 1 }, webhookAccepted: 48 }),
		).toEqual(["rule:webhook_failure_rate"]);
		expect(
			keys({ webhookFailures: { "400": 1 }, webhookAccepted: 49 }),
		).toEqual([]);
		// Too few requests to judge a rate.
		expect(keys({ webhookFailures: { "500": 2 }, webhookAccepted: 3 })).toEqual(
			[],
		);
	});

	it("p95 sync latency over 30 s with enough deliveries measured", () => {
		expect(keys({ syncLatency: { p95Seconds: 31, samples: 10 } })).toEqual([
			"rule:sync_latency",
		]);
		expect(keys({ syncLatency: { p95Seconds: 30, samples: 10 } })).toEqual([]);
		expect(keys({ syncLatency: { p95Seconds: 300, samples: 9 } })).toEqual([]);
	});

	it("manual interventions: more than 5 in 24 hours, all kinds together", () => {
		expect(keys({ interventionsLastDay: { replay: 5 } })).toEqual([]);
		expect(
			keys({ interventionsLastDay: { replay: 4, acknowledge: 2 } }),
		).toEqual(["rule:manual_interventions"]);
	});

	it("deliveries retried more than 3 times: one episode per destination", () => {
		expect(
			keys({
				retrying: [
					{ destination: "hubspot", count: 2, mostAttempts: 6 },
					{ destination: "zendesk", count: 0, mostAttempts: 0 },
					{ destination: "slack", count: 1, mostAttempts: 4 },
				],
			}),
		).toEqual(["rule:delivery_retries:hubspot", "rule:delivery_retries:slack"]);
	});

	it("thresholds are configurable", () => {
		const strict = { ...settings, signatureFailures: 0, minSamples: 1 };
		expect(
			firingAlerts(
				{ ...quiet, verificationFailures: { stripe: 1 } },
				strict,
			).map((a) => a.kind),
		).toEqual(["webhook_verification"]);
	});

	it("formats durations for people", () => {
		expect(duration(900_000)).toBe("15 min");
		expect(duration(45_000)).toBe("45 s");
		expect(duration(1_500)).toBe("1.5 s");
		expect(duration(86_400_000)).toBe("24 h");
	});
});
