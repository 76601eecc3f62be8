/**
 * `plumb doctor --url https://…` as a real child process, against a real Plumb behind loopback HTTPS
 * fronts playing the CDN: a clean one, one whose cache answers (Age, CF-Cache-Status: HIT), one that
 * refuses the webhook itself, and fronts with a certificate for another name or an expired one. The
 * test authority is trusted by the child through NODE_EXTRA_CA_CERTS, as a company CA would be.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN } from "../support/app.ts";
import { runPlumbToEnd } from "../support/child.ts";
import { freshDb, type TestDb } from "../support/db.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import {
	createTestCa,
	type HttpsProxy,
	startHttpsProxy,
	type TestCa,
} from "../support/tls.ts";
import { startSlackStandIn } from "../support/vendor-stand-ins.ts";

describe("plumb doctor --url behind an HTTPS front", () => {
	let ca: TestCa;
	let testDb: TestDb;
	let server: TestServer;
	let shellDir: string;
	let slack: Awaited<ReturnType<typeof startSlackStandIn>>;
	const fronts: Record<
		"clean" | "cached" | "refusing" | "wrongName" | "expired",
		HttpsProxy
	> = {} as never;

	beforeAll(async () => {
		ca = createTestCa();
		const good = ca.issue(["127.0.0.1"], { days: 90 });
		fronts.clean = await startHttpsProxy(good);
		fronts.cached = await startHttpsProxy(good, {
			answerHeaders: (headers) => ({
				...headers,
				age: "42",
				"cf-cache-status": "HIT",
			}),
		});
		fronts.refusing = await startHttpsProxy(good, {
			refuses: (path) => path.startsWith("/webhooks/"),
		});
		fronts.wrongName = await startHttpsProxy(
			ca.issue(["plumb.example.com"], { days: 90 }),
		);
		fronts.expired = await startHttpsProxy(
			ca.issue(["127.0.0.1"], {
				start: "20200101000000Z",
				end: "20200102000000Z",
			}),
		);
		testDb = await freshDb("pglite");
		slack = await startSlackStandIn();
		// The instance believes it is reached through the clean front.
		server = await startTestServer(testDb.db, {
			PLUMB_PUBLIC_URL: fronts.clean.url,
			SLACK_WEBHOOK_URL: slack.webhookUrl,
		});
		for (const front of Object.values(fronts)) front.forwardTo(server.url);
		shellDir = mkdtempSync(join(tmpdir(), "plumb-doctor-tls-"));
	});
	afterAll(async () => {
		await Promise.all(Object.values(fronts).map((front) => front.close()));
		await server?.stop();
		await slack?.close();
		await testDb?.dispose();
		ca?.dispose();
		rmSync(shellDir, { recursive: true, force: true });
	});

	const doctor = (front: HttpsProxy) =>
		runPlumbToEnd(["doctor", "--url", front.url], {
			ADMIN_TOKEN: TEST_ADMIN_TOKEN,
			PLUMB_DATA_DIR: shellDir,
			NODE_EXTRA_CA_CERTS: ca.caFile,
			LOG_LEVEL: "warn",
		});

	it("passes a clean front and fails each way a CDN can get in the way", async () => {
		const [clean, cached, refusing, wrongName, expired] = await Promise.all([
			doctor(fronts.clean),
			doctor(fronts.cached),
			doctor(fronts.refusing),
			doctor(fronts.wrongName),
			doctor(fronts.expired),
		]);
		const host = (front: HttpsProxy) => new URL(front.url).host;

		expect(clean.out).toContain(
			"✓ TLS: the certificate is made out for 127.0.0.1",
		);
		expect(clean.out).toMatch(
			/✓ TLS: the certificate is valid until \d{4}-\d\d-\d\d \(89 days left\)/,
		);
		expect(clean.out).toContain(
			"✓ Caching: answers arrive with Cache-Control: no-store and none came from a cache (/healthz, asked twice)",
		);
		expect(clean.out).toContain(
			`✓ Stripe webhook: an unsigned request to ${host(fronts.clean)} reaches Plumb and is refused (401)`,
		);
		expect(clean.out).toContain(
			`✓ Public URL: PLUMB_PUBLIC_URL is ${fronts.clean.url}, the address tried here`,
		);
		expect(clean.out).toContain("Ready: every check passed.");
		expect(clean.code).toBe(0);

		expect(cached.out).toContain(
			"✗ Caching: a cache in front answered /healthz instead of Plumb (Age: 42, CF-Cache-Status: HIT)",
		);
		expect(cached.out).toContain(
			`✗ Public URL: PLUMB_PUBLIC_URL is ${fronts.clean.url}, not ${fronts.cached.url} (the address tried here)`,
		);
		expect(cached.code).toBe(1);

		expect(refusing.out).toContain(
			`✗ Stripe webhook: an unsigned request to ${host(fronts.refusing)} was refused (401) by something in front of Plumb, not by Plumb`,
		);
		expect(refusing.code).toBe(1);

		expect(wrongName.out).toContain(
			"✗ TLS: the certificate is for DNS:plumb.example.com, not for 127.0.0.1",
		);
		// Every other request fails the same handshake, and says so in words.
		expect(wrongName.out).toContain(
			`✗ Stripe webhook: cannot reach ${host(fronts.wrongName)}: its TLS certificate is for another name`,
		);
		expect(wrongName.out).toContain(
			"fix: Fix the certificate first (see the TLS lines): nothing reaches Plumb through it.",
		);
		expect(wrongName.out).not.toContain("Check that Plumb is running");
		expect(wrongName.code).toBe(1);

		expect(expired.out).toContain(
			"✗ TLS: the certificate expired on 2020-01-02",
		);
		expect(expired.out).toContain(
			`✗ Caching: cannot reach ${host(fronts.expired)}: its TLS certificate has expired`,
		);
		expect(expired.out).toContain(
			`✗ Instance: could not ask it about its configuration (cannot reach ${host(fronts.expired)}: its TLS certificate has expired)`,
		);
		expect(expired.code).toBe(1);
		for (const run of [clean, cached, refusing, wrongName, expired])
			expect(run.out).not.toContain(TEST_ADMIN_TOKEN);
	});
});
