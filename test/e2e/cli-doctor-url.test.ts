/**
 * `plumb doctor --url` as a real child process against an instance on loopback whose configuration
 * differs from the doctor's shell: doctor reports the instance's secrets and connectors (asked over the
 * admin API), and its marked probes raise no alert while the same requests unmarked do.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/index.ts";
import { evaluateAlertRules } from "../../src/queue/index.ts";
import { STRIPE_API_VERSION } from "../../src/stripe/index.ts";
import { TEST_ADMIN_TOKEN, testConfig } from "../support/app.ts";
import { freePort, runPlumbToEnd } from "../support/child.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { stripeRequest } from "../support/stripe.ts";
import { startSlackStandIn } from "../support/vendor-stand-ins.ts";

const HUBSPOT_TOKEN = "pat-na1-instance-only-0000-1111";

const doctor = (args: string[], env: Record<string, string>) =>
	runPlumbToEnd(["doctor", ...args], env);

describe.each(backends)(
	"plumb doctor --url against a running instance on %s",
	(backend: Backend) => {
		let testDb: TestDb;
		let server: TestServer;
		let slack: Awaited<ReturnType<typeof startSlackStandIn>>;
		let shellDir: string;
		const instanceEnv = () => ({
			HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
			SLACK_WEBHOOK_URL: slack.webhookUrl,
			PLUMB_ALERT_SIGNATURE_FAILURES: "0",
			PLUMB_ALERT_MIN_SAMPLES: "1",
		});
		beforeEach(async () => {
			testDb = await freshDb(backend);
			slack = await startSlackStandIn();
			server = await startTestServer(testDb.db, instanceEnv());
			// The doctor's shell: the admin token and an empty data directory, nothing else.
			shellDir = mkdtempSync(join(tmpdir(), "plumb-doctor-shell-"));
		});
		afterEach(async () => {
			await server.stop();
			await slack.close();
			await testDb.dispose();
			rmSync(shellDir, { recursive: true, force: true });
		});

		/** What the instance's alert evaluator would open now. */
		const evaluate = () =>
			evaluateAlertRules({
				db: testDb.db,
				logger: createLogger({ level: "silent", secretValues: [] }),
				settings: testConfig(instanceEnv()).alerts,
				publicUrl: server.url,
			});

		it("reports the instance's own secrets and connectors, and its probes raise no alert", async () => {
			// One Stripe event in the current API version: doctor reads the versions the instance saw.
			const stored = await fetch(
				`${server.url}/webhooks/stripe`,
				stripeRequest(
					JSON.stringify({
						id: "evt_doctor_version",
						object: "event",
						type: "customer.created",
						api_version: STRIPE_API_VERSION,
						created: Math.floor(Date.now() / 1000),
						data: {
							object: {
								id: "cus_doctor",
								object: "customer",
								email: "doctor@example.com",
							},
						},
					}),
				),
			);
			expect(stored.status).toBe(200);
			const shell = {
				ADMIN_TOKEN: TEST_ADMIN_TOKEN,
				PLUMB_DATA_DIR: shellDir,
				LOG_LEVEL: "warn",
			};
			const [first, second] = await Promise.all([
				doctor(["--url", server.url], shell),
				doctor(["--url", server.url], shell),
			]);
			const host = new URL(server.url).host;
			expect(first.out).toContain(
				`The instance at ${host}, as it reports itself:`,
			);
			// Set on the instance, not in the shell: the instance's answer is what counts.
			expect(first.out).toContain("✓ Stripe: STRIPE_WEBHOOK_SECRET is set");
			expect(first.out).toContain("✓ Admin: /admin needs ADMIN_TOKEN");
			expect(first.out).toContain(
				"- HubSpot: configured on the instance; set the same variables here to try its credentials",
			);
			expect(first.out).toContain("- Zendesk: not configured");
			expect(first.out).toContain("✓ Alerts go to Slack");
			expect(first.out).toMatch(
				backend === "pg"
					? /✓ Database: PostgreSQL \d+\S*, reachable/
					: /✓ Database: embedded PGlite, reachable/,
			);
			expect(first.out).toContain("✓ Database: all migrations applied");
			expect(first.out).toContain(
				`✓ Stripe API versions: every one seen is known: ${STRIPE_API_VERSION} (1 event)`,
			);
			expect(first.out).toContain(
				`✓ Stripe webhook: an unsigned request to ${host} reaches Plumb and is refused (401)`,
			);
			expect(first.out).toContain("Ready: every check passed.");
			expect(first.code).toBe(0);
			expect(second.code).toBe(0);
			for (const out of [first.out, second.out]) {
				expect(out).not.toContain(HUBSPOT_TOKEN);
				expect(out).not.toContain(TEST_ADMIN_TOKEN);
			}

			// Two marked probes: counted apart, no alert.
			expect(await evaluate()).toMatchObject({ fired: [] });
			const metrics = await server.runtime.metrics.registry.metrics();
			expect(metrics).toContain(
				'plumb_webhook_probes_total{source="stripe",status="401"} 2',
			);
			// The same request unmarked is a real failed verification: the rule fires.
			const unmarked = await fetch(`${server.url}/webhooks/stripe`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: "{}",
			});
			expect(unmarked.status).toBe(401);
			expect((await evaluate())?.fired).toContain("rule:webhook_verification");
		});

		it("names what it cannot reach: the instance without a token, a closed port, a vendor's host", async () => {
			const closed = `http://127.0.0.1:${await freePort()}`;
			const [noToken, down, vendorDown] = await Promise.all([
				doctor(["--url", server.url], { PLUMB_DATA_DIR: shellDir }),
				doctor(["--url", closed], {
					ADMIN_TOKEN: TEST_ADMIN_TOKEN,
					PLUMB_DATA_DIR: shellDir,
				}),
				doctor([], {
					PLUMB_DATA_DIR: shellDir,
					HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
					HUBSPOT_BASE_URL: closed,
				}),
			]);
			expect(noToken.code).toBe(1);
			expect(noToken.out).toContain(
				"(probes unmarked: without ADMIN_TOKEN they count as real failures)",
			);
			expect(noToken.out).toContain(
				`✗ Instance: could not ask it about its configuration (set ADMIN_TOKEN to the admin token of the instance at ${new URL(server.url).host}`,
			);
			expect(down.code).toBe(1);
			expect(down.out).toContain(
				`✗ Stripe webhook: cannot reach ${new URL(closed).host}: connection refused`,
			);
			expect(down.out).not.toContain("fetch failed");
			expect(vendorDown.out).toContain(
				`✗ HubSpot: HubSpot could not be reached (ECONNREFUSED) at ${new URL(closed).host}`,
			);
		});
	},
);
