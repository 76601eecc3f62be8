/**
 * `plumb simulate` as a founder runs it, as real child processes on the embedded database: the quick
 * start's one command (Plumb started in the same process, kept running), the full scenario with
 * vendor stand-ins that fail first, and `--url` against a running `plumb start`, with the ✗ cases
 * (a wrong secret, a wrong admin token, nobody listening, secrets unset) and their exit codes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, TEST_STRIPE_SECRET } from "../support/app.ts";
import {
	type Child,
	freePort,
	isAlive,
	runPlumb,
	waitFor,
} from "../support/child.ts";
import { TEST_REVENUECAT_AUTH } from "../support/revenuecat.ts";

async function finished(
	child: Child,
): Promise<{ code: number | null; out: string }> {
	const code = await child.exited;
	return { code, out: child.output() };
}

describe("plumb simulate", () => {
	let dataDir: string;
	let children: Child[] = [];
	const plumb = (args: string[], env: Record<string, string>) => {
		const child = runPlumb(args, env);
		children.push(child);
		return child;
	};

	beforeEach(() => {
		dataDir = mkdtempSync(join(tmpdir(), "plumb-simulate-"));
	});
	afterEach(async () => {
		for (const child of children)
			if (isAlive(child)) child.process.kill("SIGTERM");
		await Promise.all(children.map((child) => child.exited));
		children = [];
		rmSync(dataDir, { recursive: true, force: true });
	});

	const envAt = async () => {
		const port = await freePort();
		return {
			url: `http://127.0.0.1:${port}`,
			env: {
				PORT: String(port),
				PLUMB_DATA_DIR: dataDir,
				STRIPE_WEBHOOK_SECRET: TEST_STRIPE_SECRET,
				ADMIN_TOKEN: TEST_ADMIN_TOKEN,
			},
		};
	};

	it("first-payment without --url starts Plumb in the same terminal, reports ✓, and keeps serving the dashboard", async () => {
		const { url, env } = await envAt();
		const child = plumb(["simulate", "first-payment"], env);
		await waitFor(() => child.output().includes("Plumb keeps running"), 50_000);
		const out = child.output();
		expect(out).toContain(`plumb simulate first-payment → ${url}`);
		expect(out).toContain(
			"✓ Ada pays $20 (checkout.session.completed) (again) → 200 duplicate",
		);
		expect(out).toContain("✓ Ada: $20.00 payment succeeded");
		expect(out).toContain(
			"– Ada: HubSpot skipped: HubSpot is not configured: set HUBSPOT_ACCESS_TOKEN",
		);
		expect(out).toContain("PASS: 1 check ✓");
		// Not a TTY: plain progress lines, no bar.
		expect(out).toContain("[0/4] Ada pays $20");
		expect(out).not.toContain("█");
		// The instance is still up for the founder, with the dashboard behind the same token.
		const admin = await fetch(
			`${url}/admin/api/customers?q=ada%40example.com`,
			{
				headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
			},
		);
		expect(admin.status).toBe(200);
		expect(JSON.stringify(await admin.json())).toContain("ada@example.com");
		child.process.kill("SIGTERM");
		expect(await child.exited).toBe(0);
	}, 60_000);

	it("full --stand-ins: payments, two failures, a refund, a dispute, a signup, an intent and Zendesk; vendors fail first and the retries get through", async () => {
		const { env } = await envAt();
		const { code, out } = await finished(
			plumb(["simulate", "full", "--stand-ins", "--exit", "--wait", "25s"], {
				...env,
				SUPABASE_JWT_SECRET: "simulate-test-jwt-secret-0123456789abcdef",
				SUPABASE_WEBHOOK_SECRET: "simulate-test-supabase-webhook-secret",
				ZENDESK_WEBHOOK_SECRET: "c2ltdWxhdGUtdGVzdC16ZW5kZXNrLXNlY3JldA==",
				REVENUECAT_WEBHOOK_AUTH: TEST_REVENUECAT_AUTH,
			}),
		);
		for (const line of [
			"✓ Katherine starts a free trial in the app (RevenueCat INITIAL_PURCHASE, TRIAL) → 200",
			"✓ The App Store cannot renew it (RevenueCat BILLING_ISSUE) (again) → 200 duplicate",
			"✓ Katherine's subscription expires (RevenueCat EXPIRATION, BILLING_ERROR) → 200",
			"– PayPal → not sent: only PayPal can sign its deliveries",
			"✓ Katherine: plan canceled",
			"✓ Katherine: linked to the app's user 00000000-0000-4000-8000-",
			"✓ Katherine: one customer with katherine+",
			"✓ Katherine: 1 billing ticket(s)",
			"✓ Katherine: 1 alert(s) sent to Slack",
			"✓ Katherine: Zendesk ticket created",
			"✓ Grace's renewal fails again (attempt 2), delivered late (again) → 200 duplicate",
			"✓ Grace asks for help in the app (support_requested) → 202",
			"✓ Zendesk: the support ticket is solved (ticket.status_changed) → 200",
			"✓ Ada: $20.00 payment refunded, $5.00 refunded",
			"✓ Grace: $49.00 payment succeeded",
			"✓ Grace: 2 failed attempt(s) on the timeline before it went through",
			"✓ Grace: plan active",
			"✓ Grace: ticket closed after Zendesk solved it",
			"✓ Alan: $99.00 payment disputed",
			`the app's support request reads done: "Ticket filed`,
		])
			expect(out).toContain(line);
		expect(out).toMatch(
			/✓ HubSpot stand-in: \d+ call\(s\), injected 500, then 429/,
		);
		expect(out).toMatch(
			/✓ Zendesk stand-in: \d+ call\(s\), injected a call left unanswered/,
		);
		expect(out).toMatch(/✓ Slack stand-in: \d+ call\(s\), injected 503/);
		expect(out).not.toContain("✗");
		expect(code).toBe(0);
	}, 60_000);

	it("--url drives a running instance pointed at simulate's stand-ins; a wrong Stripe secret, admin token or RevenueCat value is ✗ with a clear message and exit 1", async () => {
		const { url, env } = await envAt();
		// The stand-ins take three ports in a row from here (HubSpot, Zendesk, Slack).
		const base = await freePort();
		plumb(["start"], {
			...env,
			LOG_LEVEL: "warn",
			HUBSPOT_ACCESS_TOKEN: "pat-simulate-stand-in",
			HUBSPOT_BASE_URL: `http://127.0.0.1:${base}`,
			PLUMB_DELIVERY_TIMEOUT: "2s",
			PLUMB_DELIVERY_BACKOFF_BASE: "500ms",
			REVENUECAT_WEBHOOK_AUTH: TEST_REVENUECAT_AUTH,
		});
		await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 40_000);
		const [good, wrongSecret, wrongAdmin, wrongRevenueCat] = await Promise.all([
			finished(
				plumb(
					[
						"simulate",
						"first-payment",
						"--url",
						url,
						"--stand-ins",
						"--stand-ins-port",
						String(base),
					],
					env,
				),
			),
			finished(
				plumb(["simulate", "first-payment", "--url", url], {
					...env,
					STRIPE_WEBHOOK_SECRET: "whsec_not_the_instance_secret_000",
				}),
			),
			finished(
				plumb(["simulate", "first-payment", "--url", url, "--wait", "1s"], {
					...env,
					ADMIN_TOKEN: "not-the-instance-admin-token-0123456789",
				}),
			),
			finished(
				plumb(["simulate", "in-app", "--url", url], {
					...env,
					REVENUECAT_WEBHOOK_AUTH: "Bearer not-the-instance-revenuecat-value",
				}),
			),
		]);
		expect(good.out).toContain(
			`Vendor stand-ins are listening. The instance must have been started with:\n  HUBSPOT_ACCESS_TOKEN=pat-simulate-stand-in\n  HUBSPOT_BASE_URL=http://127.0.0.1:${base}`,
		);
		expect(good.out).toContain("✓ Ada: $20.00 payment succeeded");
		expect(good.out).toMatch(/✓ Ada: HubSpot synced .* — contact \d+/);
		expect(good.out).toMatch(
			/✓ HubSpot stand-in: \d+ call\(s\), injected 500, then 429 \(Retry-After: 1\); holds 1 contact\(s\): ada@example.com/,
		);
		expect(good.out).toContain("– Zendesk stand-in: received nothing");
		expect(good.code).toBe(0);

		expect(wrongSecret.out).toMatch(
			/✗ Ada pays \$20 \(checkout.session.completed\) → 401 invalid_signature/,
		);
		expect(wrongSecret.out).toContain(
			"STRIPE_WEBHOOK_SECRET here is not the instance's",
		);
		expect(wrongSecret.out).not.toContain("whsec_not_the_instance_secret_000");
		expect(wrongSecret.code).toBe(1);

		expect(wrongAdmin.out).toContain(
			"the instance refused ADMIN_TOKEN (401): it is not this instance's admin token",
		);
		expect(wrongAdmin.out).toContain("FAIL: 1 ✗");
		expect(wrongAdmin.code).toBe(1);

		expect(wrongRevenueCat.out).toContain(
			"✗ Katherine starts a free trial in the app (RevenueCat INITIAL_PURCHASE, TRIAL) → 401 unauthorized",
		);
		expect(wrongRevenueCat.out).toContain(
			"REVENUECAT_WEBHOOK_AUTH here is not the instance's",
		);
		expect(wrongRevenueCat.out).not.toContain("not-the-instance-revenuecat");
		expect(wrongRevenueCat.code).toBe(1);
	}, 60_000);

	it("says which secret to set, leaves RevenueCat out with a – line when it is not set, names an instance it cannot reach, and a usage error is exit 2", async () => {
		const { env } = await envAt();
		const closed = await freePort();
		const [unset, unknown, nobody, inAppUnset, withoutRevenueCat] =
			await Promise.all([
				finished(
					plumb(["simulate", "first-payment"], {
						PORT: env.PORT,
						PLUMB_DATA_DIR: dataDir,
					}),
				),
				finished(plumb(["simulate", "everything"], env)),
				finished(
					plumb(
						[
							"simulate",
							"first-payment",
							"--url",
							`http://127.0.0.1:${closed}`,
						],
						env,
					),
				),
				finished(plumb(["simulate", "in-app"], env)),
				finished(plumb(["simulate", "full", "--exit", "--wait", "20s"], env)),
			]);
		expect(inAppUnset.out).toContain(
			'REVENUECAT_WEBHOOK_AUTH is not set: RevenueCat events cannot be authorized. For a local try-out:\n      export REVENUECAT_WEBHOOK_AUTH="Bearer $(openssl rand -hex 24)"\n',
		);
		expect(inAppUnset.code).toBe(1);
		// One line for the whole journey, and none of Katherine's checks.
		expect(withoutRevenueCat.out).toContain(
			'– RevenueCat journey → left out: REVENUECAT_WEBHOOK_AUTH is not set. To include it: export REVENUECAT_WEBHOOK_AUTH="Bearer $(openssl rand -hex 24)"',
		);
		expect(withoutRevenueCat.out).not.toMatch(/\(RevenueCat [A-Z_]+.*\) →/);
		expect(withoutRevenueCat.out).not.toContain("Katherine:");
		expect(withoutRevenueCat.out).toContain("– PayPal → not sent");
		expect(withoutRevenueCat.code).toBe(0);
		expect(nobody.out).toContain(
			`cannot reach the instance at http://127.0.0.1:${closed}: ECONNREFUSED`,
		);
		expect(nobody.code).toBe(1);
		expect(unset.out).toContain(
			"export STRIPE_WEBHOOK_SECRET=whsec_test_secret_for_local_use",
		);
		expect(unset.out).toContain("export ADMIN_TOKEN=$(openssl rand -hex 32)");
		expect(unset.code).toBe(1);
		expect(unknown.out).toContain(
			'Unknown scenario "everything": choose first-payment, full, in-app.',
		);
		expect(unknown.code).toBe(2);
	}, 60_000);
});
