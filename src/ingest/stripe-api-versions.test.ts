import { describe, expect, it } from "vitest";
import { TEST_STRIPE_SECRET, testApp } from "../../test/support/app.ts";
import { type Backend, backends, useFreshDb } from "../../test/support/db.ts";
import {
	stripeFixture,
	stripeObject,
	stripeRequest,
} from "../../test/support/stripe.ts";
import { stripeVersionCheck } from "../cli/doctor/stripe-versions.ts";
import { STRIPE_API_VERSION } from "../stripe/index.ts";
import {
	KNOWN_STRIPE_API_VERSIONS,
	stripeVersionInfo,
	unknownStripeVersions,
} from "./stripe-api-versions.ts";

describe("the known Stripe API versions", () => {
	it("run from 2020-03-02 to the current version, in order, each once", () => {
		expect(KNOWN_STRIPE_API_VERSIONS[0]).toBe("2020-03-02");
		expect(KNOWN_STRIPE_API_VERSIONS.at(-1)).toBe(STRIPE_API_VERSION);
		expect([...KNOWN_STRIPE_API_VERSIONS].sort()).toEqual([
			...KNOWN_STRIPE_API_VERSIONS,
		]);
		expect(new Set(KNOWN_STRIPE_API_VERSIONS).size).toBe(
			KNOWN_STRIPE_API_VERSIONS.length,
		);
	});

	it.each([
		["2020-08-27", "legacy", true, false],
		["2025-02-24.acacia", "legacy", true, false],
		["2025-03-31.basil", "basil", true, false],
		["2026-07-29.dahlia", "basil", true, false],
		["2026-10-28.endive", "basil", false, true],
		["2019-12-03", "legacy", false, false],
		["not-a-version", "basil", false, false],
	] as const)(
		"%s reads as %s (known %s, newer %s)",
		(version, shape, known, newer) => {
			expect(stripeVersionInfo(version)).toEqual({
				version,
				shape,
				known,
				newer,
			});
		},
	);

	it("an event without a version is read by its fields, neither known nor newer", () => {
		expect(stripeVersionInfo(null)).toMatchObject({
			version: null,
			known: false,
			newer: false,
		});
		expect(
			unknownStripeVersions(["2025-08-27.basil", "2027-01-01.fig"]),
		).toEqual(["2027-01-01.fig"]);
	});
});

/** A current-shape envelope in a given API version, around Stripe's own example subscription. */
function subscriptionEvent(id: string, apiVersion: string | undefined): string {
	const subscription = stripeObject("subscription");
	return JSON.stringify({
		id,
		object: "event",
		...(apiVersion === undefined ? {} : { api_version: apiVersion }),
		created: Math.floor(Date.now() / 1000),
		data: { object: subscription },
		livemode: false,
		pending_webhooks: 1,
		request: { id: null, idempotency_key: null },
		type: "customer.subscription.updated",
	});
}

describe.each(backends)(
	"api_version through the webhook on %s",
	(backend: Backend) => {
		const t = useFreshDb(backend);

		it("is stored on the event row; an unknown newer one is processed with the newest shape, counted once, and named by plumb doctor", async () => {
			const { app, metrics } = testApp(t.db);
			const legacy = stripeFixture("customer.subscription.updated");
			const sends = [
				legacy,
				subscriptionEvent("evt_version_basil", "2025-08-27.basil"),
				subscriptionEvent("evt_version_newer", "2027-02-24.fig"),
				subscriptionEvent("evt_version_newer", "2027-02-24.fig"),
				subscriptionEvent("evt_version_none", undefined),
			];
			expect(await stripeVersionCheck(t.db)).toMatchObject({ status: "skip" });
			for (const payload of sends) {
				const res = await app.request(
					"/webhooks/stripe",
					stripeRequest(payload, { secret: TEST_STRIPE_SECRET }),
				);
				expect(res.status).toBe(200);
			}
			const rows = await t.db.query<{
				external_id: string;
				api_version: string | null;
				type: string;
				data: { subscription?: { current_period_end?: string } };
			}>(
				"select external_id, api_version, type, data from plumb.events order by external_id",
			);
			expect(rows.map((r) => [r.external_id, r.api_version, r.type])).toEqual([
				["evt_000000000000000000000000", "2020-08-27", "subscription_updated"],
				["evt_version_basil", "2025-08-27.basil", "subscription_updated"],
				["evt_version_newer", "2027-02-24.fig", "subscription_updated"],
				["evt_version_none", null, "subscription_updated"],
			]);
			// The newer version's period is read where basil keeps it: on the subscription's items.
			const item = (
				stripeObject("subscription").items as {
					data: Array<{ current_period_end: number }>;
				}
			).data[0];
			const newer = rows.find((r) => r.external_id === "evt_version_newer");
			expect(newer?.data.subscription?.current_period_end).toBe(
				new Date((item?.current_period_end ?? 0) * 1000).toISOString(),
			);
			const counted = await metrics.stripeUnknownApiVersions.get();
			expect(counted.values).toEqual([
				{ labels: { version: "2027-02-24.fig" }, value: 1 },
			]);

			const check = await stripeVersionCheck(t.db);
			expect(check.status).toBe("fail");
			expect(check.title).toContain("2027-02-24.fig");
			expect(check.title).not.toContain("2025-08-27.basil,");
			expect(check.fix).toContain(STRIPE_API_VERSION);
		});

		it("passes doctor when every version seen is known", async () => {
			const { app } = testApp(t.db);
			const res = await app.request(
				"/webhooks/stripe",
				stripeRequest(subscriptionEvent("evt_version_ok", "2025-03-31.basil")),
			);
			expect(res.status).toBe(200);
			expect(await stripeVersionCheck(t.db)).toEqual({
				status: "pass",
				title:
					"Stripe API versions: every one seen is known: 2025-03-31.basil (1 event)",
			});
		});
	},
);
