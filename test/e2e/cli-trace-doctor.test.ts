/**
 * `plumb trace` and `plumb doctor` as real child processes against a running `plumb start`: on
 * PostgreSQL through DATABASE_URL, on the embedded database through the instance (`--url`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, TEST_STRIPE_SECRET } from "../support/app.ts";
import { type Child, runPlumb, waitFor } from "../support/child.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { type SmtpStandIn, startSmtpServer } from "../support/smtp.ts";
import { stripeRequest } from "../support/stripe.ts";
import {
	type StandIn,
	startHubSpotStandIn,
	startSlackStandIn,
	startStandIn,
} from "../support/vendor-stand-ins.ts";

const HUBSPOT_TOKEN = "pat-na1-doctor-0000-1111-2222";
const RC_AUTH = "Bearer rc-doctor-0123456789abcdef";
const ZENDESK = { email: "agent@plumb.test", token: "zdtok-doctor-0123456789" };
const SMTP = { user: "alerts", pass: "smtp-doctor-pass-42" };
const EMAIL = "grace@example.com";

async function freePort(): Promise<number> {
	return new Promise((resolve) => {
		const server = createServer();
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/** Zendesk's GET /api/v2/users/me: an agent for the right credentials, 401 otherwise. */
function startZendeskMe(): Promise<StandIn> {
	const basic = `Basic ${Buffer.from(`${ZENDESK.email}/token:${ZENDESK.token}`).toString("base64")}`;
	return startStandIn((req) =>
		req.headers.authorization !== basic
			? { status: 401, body: { error: "Couldn't authenticate you" } }
			: req.method === "GET" && req.path === "/api/v2/users/me"
				? { status: 200, body: { user: { id: 7, role: "agent" } } }
				: { status: 404, body: { error: "InvalidEndpoint" } },
	);
}

async function finished(
	child: Child,
): Promise<{ code: number | null; out: string }> {
	const code = await child.exited;
	return { code, out: child.output() };
}

describe.each(backends)(
	"plumb trace and plumb doctor against a running instance on %s",
	(backend: Backend) => {
		let testDb: TestDb | undefined;
		let dataDir: string;
		let hubspot: Awaited<ReturnType<typeof startHubSpotStandIn>>;
		let slack: Awaited<ReturnType<typeof startSlackStandIn>>;
		let zendesk: StandIn;
		let smtp: SmtpStandIn;
		let instance: Child | undefined;

		beforeEach(async () => {
			dataDir = mkdtempSync(join(tmpdir(), "plumb-doctor-"));
			testDb = backend === "pg" ? await freshDb("pg") : undefined;
			[hubspot, slack, zendesk, smtp] = await Promise.all([
				startHubSpotStandIn({ token: HUBSPOT_TOKEN }),
				startSlackStandIn(),
				startZendeskMe(),
				startSmtpServer(SMTP),
			]);
		});
		afterEach(async () => {
			instance?.process.kill("SIGTERM");
			if (instance) await instance.exited;
			instance = undefined;
			await Promise.all([
				hubspot.close(),
				slack.close(),
				zendesk.close(),
				smtp.close(),
			]);
			await testDb?.dispose();
			rmSync(dataDir, { recursive: true, force: true });
		});

		it("trace prints the story of a payment; doctor passes, and fails on a wrong HubSpot token without printing it", async () => {
			const port = await freePort();
			const url = `http://127.0.0.1:${port}`;
			const env: Record<string, string> = {
				PORT: String(port),
				STRIPE_WEBHOOK_SECRET: TEST_STRIPE_SECRET,
				ADMIN_TOKEN: TEST_ADMIN_TOKEN,
				HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
				HUBSPOT_BASE_URL: hubspot.url,
				ZENDESK_BASE_URL: zendesk.url,
				ZENDESK_EMAIL: ZENDESK.email,
				ZENDESK_API_TOKEN: ZENDESK.token,
				SLACK_WEBHOOK_URL: slack.webhookUrl,
				REVENUECAT_WEBHOOK_AUTH: RC_AUTH,
				PAYPAL_WEBHOOK_ID: "8PT597110X687430LJ",
				SMTP_URL: smtp.url(),
				ALERT_EMAIL_TO: "oncall@plumb.test",
				ALERT_EMAIL_FROM: "Plumb <alerts@plumb.test>",
				LOG_LEVEL: "warn",
				...(testDb?.url
					? {
							DATABASE_URL: testDb.url,
							NODE_ENV: "production",
							PLUMB_PUBLIC_URL: `http://localhost:${port}`,
						}
					: { PLUMB_DATA_DIR: dataDir }),
			};
			instance = runPlumb(["start"], env);
			await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 30_000);

			const checkout = JSON.stringify({
				id: "evt_trace_1",
				object: "event",
				type: "checkout.session.completed",
				created: Math.floor(Date.now() / 1000),
				data: {
					object: {
						id: "cs_trace_1",
						object: "checkout.session",
						customer: "cus_trace_1",
						customer_details: { email: EMAIL, name: "Grace Hopper" },
						client_reference_id: "user-trace-1",
						payment_status: "paid",
						mode: "payment",
						payment_intent: "pi_trace_1",
						amount_total: 4900,
						currency: "usd",
					},
				},
			});
			const posted = await fetch(
				`${url}/webhooks/stripe`,
				stripeRequest(checkout),
			);
			expect(posted.status).toBe(200);
			const correlationId = posted.headers.get("x-request-id") as string;
			await waitFor(() => hubspot.contacts.has(EMAIL), 20_000);

			// Every command at once (each is a process of its own). On the embedded database the
			// server holds the data directory: a direct trace says how to ask the server instead.
			const viaUrl = backend === "pg" ? [] : ["--url", url];
			const wrong = "pat-na1-WRONG-token-5555";
			const run = (args: string[], extra: Record<string, string> = {}) =>
				finished(runPlumb(args, { ...env, ...extra }));
			const [direct, trace, json, nothing, healthy, broken] = await Promise.all(
				[
					run(["trace", EMAIL]),
					run(["trace", EMAIL, ...viaUrl]),
					run(["trace", correlationId, "--json", ...viaUrl]),
					run(["trace", "nobody@example.com", ...viaUrl]),
					run(["doctor", "--url", url]),
					run(["doctor", "--url", url], { HUBSPOT_ACCESS_TOKEN: wrong }),
				],
			);
			if (backend === "pglite") {
				expect(direct.code).toBe(1);
				expect(direct.out).toContain("--url");
			}
			expect(trace.code).toBe(0);
			expect(trace.out).toContain("TIME (UTC)");
			expect(trace.out).toContain(
				"stripe checkout.session.completed → payment_succeeded",
			);
			expect(trace.out).toContain(`correlation ${correlationId}`);
			expect(trace.out).toMatch(/delivery\s+succeeded\s+hubspot crm_sync/);
			expect(trace.out).toMatch(/attempt\s+succeeded\s+hubspot crm_sync #1/);
			expect(trace.out).toContain("user_hash");
			// The answer first; 100 columns; plain into a pipe (cli-trace-colour.test.ts: colour).
			expect(trace.out.split("\n")[1]).toBe("paid · CRM synced");
			for (const line of trace.out.split("\n"))
				expect(line.length).toBeLessThanOrEqual(100);
			expect(trace.out).not.toContain("\u001b[");

			expect(json.code).toBe(0);
			const parsed = JSON.parse(json.out) as {
				matched: string[];
				entries: Array<{ kind: string }>;
			};
			expect(parsed.matched).toEqual(["correlation id"]);
			expect(new Set(parsed.entries.map((e) => e.kind))).toEqual(
				new Set(["event", "change", "delivery", "attempt"]),
			);

			expect(nothing.code).toBe(1);
			expect(nothing.out).toContain("Plumb knows nothing by that name.");

			expect(healthy.out).toContain("Ready: every check passed.");
			expect(healthy.code).toBe(0);
			expect(healthy.out).toContain(
				`✓ Stripe webhook: an unsigned request to ${new URL(url).host} reaches Plumb and is refused (401)`,
			);
			expect(healthy.out).toContain("✓ Zendesk: signed in as an agent");
			expect(healthy.out).toContain(
				"✓ RevenueCat webhook: the running instance refuses a request without Authorization and accepts a test event with this REVENUECAT_WEBHOOK_AUTH",
			);
			expect(healthy.out).toContain(
				`✓ PayPal webhook: an unsigned request to ${new URL(url).host} reaches Plumb and is refused (401)`,
			);
			expect(healthy.out).toContain(
				"✓ RevenueCat: REVENUECAT_WEBHOOK_AUTH is set",
			);
			expect(healthy.out).toContain(
				"✓ E-mail (SMTP): the SMTP server accepted the login",
			);

			expect(broken.code).toBe(1);
			expect(broken.out).toContain(
				"✗ HubSpot: HubSpot rejected the access token (401)",
			);
			expect(broken.out).toContain("fix: ");
			expect(broken.out).toContain("1 check failed.");
			for (const out of [healthy.out, broken.out, trace.out])
				for (const secret of [
					wrong,
					HUBSPOT_TOKEN,
					ZENDESK.token,
					SMTP.pass,
					TEST_ADMIN_TOKEN,
					TEST_STRIPE_SECRET,
					RC_AUTH,
					new URL(slack.webhookUrl).pathname,
				])
					expect(out).not.toContain(secret);
		});
	},
);

describe("plumb doctor without a running instance", () => {
	let dataDir: string;
	beforeEach(() => {
		dataDir = mkdtempSync(join(tmpdir(), "plumb-doctor-"));
	});
	afterEach(() => {
		rmSync(dataDir, { recursive: true, force: true });
	});

	it("reports a bad configuration as a failed check, naming the variable, never its value", async () => {
		const { code, out } = await finished(
			runPlumb(["doctor"], {
				PLUMB_DATA_DIR: dataDir,
				STRIPE_WEBHOOK_SECRET: "sk_live_SENTINEL_value",
			}),
		);
		expect(code).toBe(1);
		expect(out).toContain("✗ Configuration is invalid");
		expect(out).toContain("STRIPE_WEBHOOK_SECRET");
		expect(out).not.toContain("SENTINEL");
	});

	it("fails a short admin token as invalid configuration, with the fix and not the value", async () => {
		const { code, out } = await finished(
			runPlumb(["doctor"], {
				PLUMB_DATA_DIR: join(dataDir, "none"),
				ADMIN_TOKEN: "short-token-123",
			}),
		);
		expect(code).toBe(1);
		expect(out).toContain("✗ Configuration is invalid");
		expect(out).toContain(
			"ADMIN_TOKEN must be at least 32 characters; make one with: openssl rand -hex 32",
		);
		expect(out).not.toContain("short-token-123");
	});

	it("fails an embedded database in production, no admin token and no alert channel", async () => {
		const { code, out } = await finished(
			runPlumb(["doctor"], {
				PLUMB_DATA_DIR: join(dataDir, "none"),
				NODE_ENV: "production",
				PLUMB_CORS_ORIGINS: "*",
			}),
		);
		expect(code).toBe(1);
		expect(out).toContain(
			"✗ Database: the embedded one (PGlite) with NODE_ENV=production",
		);
		expect(out).toContain("✗ Admin: ADMIN_TOKEN is not set");
		expect(out).toContain("✗ CORS: PLUMB_CORS_ORIGINS allows every origin");
		expect(out).toContain("✗ Alerts go nowhere");
		expect(out).toContain("✗ Stripe: STRIPE_WEBHOOK_SECRET is not set");
		expect(out).not.toContain("short-token-123");
	});
});
