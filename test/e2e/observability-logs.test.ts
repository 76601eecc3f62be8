/**
 * Logs from webhook to vendor: the correlation id of a Stripe delivery is on the ingest line, the
 * worker line and every delivery attempt line, with step, outcome, latency, event type and a keyed
 * user hash; e-mails never appear in clear; LOG_LEVEL is honoured.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import type { Config } from "../../src/config/index.ts";
import { createConnectors } from "../../src/connectors/index.ts";
import {
	createLogger,
	createMetrics,
	type Logger,
	personHash,
	userHash,
} from "../../src/observability/index.ts";
import { EVENT_WORKER_DEFAULTS, processBatch } from "../../src/queue/index.ts";
import { pollingWakeup } from "../../src/store/index.ts";
import { captureLogs, testConfig } from "../support/app.ts";
import { waitFor } from "../support/child.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import {
	startTestWorker,
	type TestWorker,
	testSettings,
} from "../support/delivery-worker.ts";
import { stripeRequest } from "../support/stripe.ts";
import { startHubSpotStandIn } from "../support/vendor-stand-ins.ts";
import { eventWorkerDeps } from "../support/worker.ts";

const TOKEN = "pat-na1-logs-0000-1111-2222";
const EMAIL = "ada.lovelace@example.com";

describe.each(backends)("log lines on %s", (backend: Backend) => {
	let testDb: TestDb;
	let hubspot: Awaited<ReturnType<typeof startHubSpotStandIn>>;
	let config: Config;
	let logger: Logger;
	let lines: string[];
	let worker: TestWorker | undefined;

	beforeEach(async () => {
		testDb = await freshDb(backend);
		hubspot = await startHubSpotStandIn({ token: TOKEN });
		config = testConfig({
			HUBSPOT_ACCESS_TOKEN: TOKEN,
			HUBSPOT_BASE_URL: hubspot.url,
			LOG_LEVEL: "info",
		});
		const captured = captureLogs();
		lines = captured.lines;
		logger = createLogger({
			level: config.logLevel,
			secretValues: config.secretValues,
			destination: captured.stream,
		});
	});
	afterEach(async () => {
		await worker?.stop();
		await hubspot.close();
		await testDb.dispose();
	});

	it("carries one correlation id from the Stripe delivery to every attempt, with step, outcome, latency and a user hash", async () => {
		const app = createApp({
			config,
			db: testDb.db,
			logger,
			metrics: createMetrics(),
		});
		const correlationId = `stripe-delivery-${Date.now()}`;
		const checkout = JSON.stringify({
			id: "evt_logs_1",
			object: "event",
			type: "checkout.session.completed",
			created: Math.floor(Date.now() / 1000),
			data: {
				object: {
					id: "cs_logs_1",
					object: "checkout.session",
					customer: "cus_logs_1",
					customer_details: { email: EMAIL, name: "Ada Lovelace" },
					client_reference_id: "user-logs-1",
					payment_status: "paid",
					mode: "payment",
					payment_intent: "pi_logs_1",
					amount_total: 2000,
					currency: "usd",
				},
			},
		});
		const res = await app.request("/webhooks/stripe", {
			...stripeRequest(checkout),
			headers: {
				...(stripeRequest(checkout).headers as Record<string, string>),
				"x-request-id": correlationId,
			},
		});
		expect(res.status).toBe(200);
		await processBatch(
			{
				...eventWorkerDeps(testDb.db),
				logger,
				wakeup: pollingWakeup(10),
				plans: {},
				publicUrl: config.publicUrl,
			},
			EVENT_WORKER_DEFAULTS,
		);
		// HubSpot fails the first upsert, so the delivery takes two attempts.
		hubspot.fail(
			{ kind: "status", status: 503, body: { message: "try again" } },
			{
				times: 1,
				when: (req) => req.path === "/crm/v3/objects/contacts/batch/upsert",
			},
		);
		worker = await startTestWorker(testDb, {
			connectors: createConnectors(config, { logger }),
			settings: testSettings({ timeoutMs: 5_000, leaseMs: 10_000 }),
		});
		await waitFor(async () => {
			const rows = await testDb.db.query<{ status: string }>(
				"select status from plumb.deliveries where destination = 'hubspot'",
			);
			return rows[0]?.status === "succeeded";
		});
		await worker.stop();
		const workerLines = worker.logs();
		const all = [
			...lines.map((line) => JSON.parse(line) as Record<string, unknown>),
			...workerLines,
		];

		const ingest = all.find((l) => l.step === "ingest");
		expect(ingest).toMatchObject({
			correlation_id: correlationId,
			step: "ingest",
			outcome: "stored",
			event_type: "payment_succeeded",
			user_hash: personHash({ app_user_id: "user-logs-1" }),
		});
		expect(typeof ingest?.latency_ms).toBe("number");

		const apply = all.find((l) => l.step === "apply");
		const [customer] = await testDb.db.query<{ id: string }>(
			"select id from plumb.customers",
		);
		expect(apply).toMatchObject({
			correlation_id: correlationId,
			outcome: "processed",
			event_type: "payment_succeeded",
			user_hash: userHash(customer?.id),
		});
		expect(typeof apply?.latency_ms).toBe("number");

		const attempts = workerLines.filter(
			(l) => l.step === "deliver" && l.destination === "hubspot",
		);
		expect(attempts.map((l) => l.outcome)).toEqual(["retry", "succeeded"]);
		for (const line of attempts) {
			expect(line).toMatchObject({
				correlation_id: correlationId,
				user_hash: userHash(customer?.id),
			});
			expect(typeof line.latency_ms).toBe("number");
		}
		// The request line shares it too, and the e-mail never appears in clear.
		expect(
			all.some((l) => l.step === "http" && l.correlation_id === correlationId),
		).toBe(true);
		const raw = lines.join("\n");
		expect(raw).not.toContain(EMAIL);
		expect(raw).not.toContain(TOKEN);
		expect(JSON.stringify(hubspot.contacts.get(EMAIL))).toContain(EMAIL);
	});

	it("honours LOG_LEVEL", async () => {
		const quiet = testConfig({ LOG_LEVEL: "warn" });
		const captured = captureLogs();
		const app = createApp({
			config: quiet,
			db: testDb.db,
			logger: createLogger({
				level: quiet.logLevel,
				secretValues: quiet.secretValues,
				destination: captured.stream,
			}),
			metrics: createMetrics(),
		});
		await app.request("/healthz");
		expect(captured.lines).toEqual([]);
		await app.request(
			"/webhooks/stripe",
			stripeRequest("{}", { signature: "t=1,v1=bad" }),
		);
		expect(captured.lines.map((l) => JSON.parse(l).level)).toEqual(["warn"]);
	});
});
