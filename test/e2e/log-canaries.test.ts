import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createConnectors } from "../../src/connectors/index.ts";
import { createLogger } from "../../src/observability/index.ts";
import {
	EVENT_WORKER_DEFAULTS,
	processBatch,
	startDeliveryWorker,
} from "../../src/queue/index.ts";
import { pollingWakeup } from "../../src/store/index.ts";
import {
	captureLogs,
	TEST_ADMIN_TOKEN,
	TEST_STRIPE_SECRET,
	testApp,
} from "../support/app.ts";
import { waitFor } from "../support/child.ts";
import { freshDb, type TestDb } from "../support/db.ts";
import { seedOne, testSettings } from "../support/delivery-worker.ts";
import { startSmtpServer } from "../support/smtp.ts";
import { envelope, stripeObject, stripeRequest } from "../support/stripe.ts";
import {
	startHubSpotStandIn,
	startSlackStandIn,
	startZendeskStandIn,
} from "../support/vendor-stand-ins.ts";
import { eventWorkerDeps } from "../support/worker.ts";

const CANARIES = {
	card: "4242424242424242",
	jwt: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjYW5hcnktdXNlciJ9.Q2FuYXJ5U2lnbmF0dXJlMTIzNDU2",
	hubspotToken: "pat-na1-canary-0000-1111-2222",
	metricsToken: "metrics-canary-token-987654",
};

describe("log lines never carry secrets", () => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb("pglite");
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it("keeps the webhook secret, admin token, a JWT and a card number out of every path's logs", async () => {
		const t = testApp(testDb.db, {
			env: {
				HUBSPOT_ACCESS_TOKEN: CANARIES.hubspotToken,
				METRICS_TOKEN: CANARIES.metricsToken,
			},
		});
		const charge = {
			...stripeObject("charge"),
			description: `card ${CANARIES.card}`,
			metadata: { token: CANARIES.jwt },
		};
		const payload = envelope("charge.refunded", charge);
		const paths: Array<[string, RequestInit]> = [
			["/webhooks/stripe", stripeRequest(payload)],
			["/webhooks/stripe", stripeRequest(payload)],
			[
				"/webhooks/stripe",
				{
					...stripeRequest(payload, { secret: "whsec_wrong_0000000000" }),
					headers: {
						authorization: `Bearer ${CANARIES.jwt}`,
						"content-type": "application/json",
					},
				},
			],
			["/webhooks/stripe", stripeRequest(`{"id": "${CANARIES.card}`)],
			[
				`/admin/api/events?q=${CANARIES.card}`,
				{ headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } },
			],
			[
				"/admin/api/events",
				{ headers: { authorization: `Bearer ${CANARIES.jwt}` } },
			],
			[`/admin/api/events?token=${TEST_ADMIN_TOKEN}`, {}],
			[
				"/metrics",
				{ headers: { authorization: `Bearer ${CANARIES.metricsToken}` } },
			],
			["/healthz", { headers: { "x-request-id": TEST_ADMIN_TOKEN } }],
			[`/nope/${TEST_STRIPE_SECRET}`, {}],
		];
		for (const [path, init] of paths) await t.app.request(path, init);
		// The error path: a failing write with the payload in flight.
		await testDb.db.exec("alter table plumb.events rename to events_gone");
		await t.app.request(
			"/webhooks/stripe",
			stripeRequest(envelope("charge.refunded", charge)),
		);

		const raw = t.rawLogs();
		expect(t.logs().length).toBeGreaterThanOrEqual(paths.length);
		for (const secret of [
			TEST_STRIPE_SECRET,
			TEST_ADMIN_TOKEN,
			...Object.values(CANARIES),
		]) {
			expect(raw).not.toContain(secret);
		}
		// Every line is JSON with a correlation id (request lines) or is a process-level line.
		for (const line of t.logs())
			expect(line.correlation_id ?? line.step).toBeDefined();
	});

	it("keeps vendor credentials, the Slack URL, card numbers, JWTs and e-mails out of the worker's and connectors' lines", async () => {
		const secrets = {
			hubspot: "pat-na1-canary-worker-3333-4444",
			zendesk: "zdtok-canary-worker-0123456789",
			smtp: "smtp-canary-password-987",
		};
		const [hubspot, zendesk, slack, smtp] = await Promise.all([
			startHubSpotStandIn({ token: secrets.hubspot }),
			startZendeskStandIn({
				email: "agent@plumb.test",
				token: secrets.zendesk,
			}),
			startSlackStandIn(),
			startSmtpServer({ user: "alerts", pass: secrets.smtp }),
		]);
		const email = "canary.person@example.com";
		try {
			const t = testApp(testDb.db, {
				env: {
					HUBSPOT_ACCESS_TOKEN: secrets.hubspot,
					HUBSPOT_BASE_URL: hubspot.url,
					ZENDESK_BASE_URL: zendesk.url,
					ZENDESK_EMAIL: "agent@plumb.test",
					ZENDESK_API_TOKEN: secrets.zendesk,
					SLACK_WEBHOOK_URL: slack.webhookUrl,
					SMTP_URL: smtp.url(),
					ALERT_EMAIL_TO: "oncall@plumb.test",
					ALERT_EMAIL_FROM: "alerts@plumb.test",
				},
			});
			const { stream, lines } = captureLogs();
			const logger = createLogger({
				level: "trace",
				secretValues: t.config.secretValues,
				destination: stream,
			});
			// Vendors that repeat what they were sent, secrets included, in their errors.
			hubspot.fail({
				kind: "status",
				status: 400,
				body: {
					category: "VALIDATION_ERROR",
					message: `Bearer ${secrets.hubspot} cannot set ${email} card ${CANARIES.card}`,
				},
			});
			zendesk.fail({
				kind: "status",
				status: 422,
				body: {
					error: "RecordInvalid",
					description: `token ${secrets.zendesk} ${CANARIES.jwt}`,
				},
			});
			slack.fail(
				{
					kind: "status",
					status: 500,
					body: `rollup_error ${slack.webhookUrl}`,
				},
				{ times: 1 },
			);
			const checkout = {
				...stripeObject("checkout.session"),
				customer_details: { email, name: "Canary Person" },
				metadata: { token: CANARIES.jwt, note: `card ${CANARIES.card}` },
				payment_status: "paid",
			};
			await t.app.request(
				"/webhooks/stripe",
				stripeRequest(envelope("checkout.session.completed", checkout)),
			);
			await processBatch(
				{
					...eventWorkerDeps(testDb.db),
					logger,
					wakeup: pollingWakeup(10),
					plans: {},
					publicUrl: t.config.publicUrl,
				},
				EVENT_WORKER_DEFAULTS,
			);
			await seedOne(testDb.db, {
				destination: "zendesk",
				action: "create_ticket",
				key: "zendesk:create_ticket:canary",
				payload: {
					ticket_id: "00000000-0000-7000-8000-000000000001",
					issue_key: "support:canary:other",
					category: "other",
					priority: "normal",
					subject: `Card ${CANARIES.card}`,
					message: `My token is ${CANARIES.jwt} and my e-mail ${email}`,
					tags: ["plumb", "other"],
					requester: { email },
					context: {
						customer_id: "00000000-0000-7000-8000-000000000002",
						tier: "free",
						customer_url: "http://plumb.test/admin/customers/x",
					},
				},
			});
			const worker = startDeliveryWorker({
				db: testDb.db,
				logger,
				metrics: t.metrics,
				wakeup: pollingWakeup(10),
				connectors: createConnectors(t.config, { logger }),
				settings: testSettings({ timeoutMs: 5_000, leaseMs: 10_000 }),
				publicUrl: t.config.publicUrl,
			});
			try {
				await waitFor(async () => {
					const rows = await testDb.db.query<{ n: number }>(
						"select count(*)::int as n from plumb.deliveries where status in ('pending', 'running', 'retry_pending')",
					);
					const dead = await testDb.db.query<{ n: number }>(
						"select count(*)::int as n from plumb.deliveries where status = 'dead'",
					);
					return rows[0]?.n === 0 && (dead[0]?.n ?? 0) >= 2;
				}, 20_000);
			} finally {
				await worker.stop();
			}
			expect(slack.messages.length).toBeGreaterThan(0);
			expect(smtp.messages.length).toBeGreaterThan(0);
			const raw = [lines.join("\n"), t.rawLogs()].join("\n");
			expect(lines.some((line) => line.includes('"step":"deliver"'))).toBe(
				true,
			);
			for (const secret of [
				...Object.values(secrets),
				slack.webhookUrl,
				new URL(slack.webhookUrl).pathname,
				email,
				CANARIES.card,
				CANARIES.jwt,
			])
				expect(raw).not.toContain(secret);
			for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
		} finally {
			await Promise.all([
				hubspot.close(),
				zendesk.close(),
				slack.close(),
				smtp.close(),
			]);
		}
	});
});
