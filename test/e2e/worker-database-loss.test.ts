import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAlertEvaluator } from "../../src/cli/observability.ts";
import { outcome } from "../../src/core/index.ts";
import { createLogger, createMetrics } from "../../src/observability/index.ts";
import {
	DELIVERIES_CHANNEL,
	startDeliveryWorker,
	startEventWorker,
} from "../../src/queue/index.ts";
import { listeningWakeup, openPg } from "../../src/store/index.ts";
import { captureLogs, testApp, testConfig } from "../support/app.ts";
import { waitFor } from "../support/child.ts";
import { adminQuery, backends, freshDb, type TestDb } from "../support/db.ts";
import { seedDeliveries, testSettings } from "../support/delivery-worker.ts";
import { envelope, stripeObject, stripeRequest } from "../support/stripe.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { eventWorkerDeps } from "../support/worker.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(backends.includes("pg"))(
	"the workers when their database connections are lost",
	() => {
		let testDb: TestDb;
		let proxy: TcpProxy;
		const uncaught: unknown[] = [];
		const onUncaught = (error: unknown) => uncaught.push(error);

		beforeEach(async () => {
			uncaught.length = 0;
			process.on("uncaughtException", onUncaught);
			process.on("unhandledRejection", onUncaught);
			testDb = await freshDb("pg");
			const target = new URL(testDb.url as string);
			proxy = await startTcpProxy({
				host: target.hostname,
				port: Number(target.port || 5432),
			});
		});
		afterEach(async () => {
			await proxy.close();
			await testDb.dispose();
			process.off("uncaughtException", onUncaught);
			process.off("unhandledRejection", onUncaught);
		});

		/** Stores `n` Stripe events through the webhook, on a connection that is never cut. */
		const postEvents = async (n: number, prefix: string) => {
			const { app } = testApp(testDb.db);
			for (let i = 0; i < n; i++) {
				const res = await app.request(
					"/webhooks/stripe",
					stripeRequest(
						envelope("charge.refunded", stripeObject("charge"), {
							id: `evt_${prefix}_${i}`,
						}),
					),
				);
				expect(res.status).toBe(200);
			}
		};
		const counts = async () => {
			const [row] = await testDb.db.query<{
				processed: number;
				charged: number;
				succeeded: number;
			}>(
				`select
				   (select count(*)::int from plumb.events where status = 'processed') as processed,
				   (select count(*)::int from plumb.events where attempts <> 1 or last_error is not null or status <> 'processed') as charged,
				   (select count(*)::int from plumb.deliveries where destination = 'slack' and status = 'succeeded') as succeeded`,
			);
			return row as { processed: number; charged: number; succeeded: number };
		};

		it("the event worker, the delivery worker and the alert rules log, back off and carry on by themselves", async () => {
			const viaProxy = new URL(testDb.url as string);
			viaProxy.port = String(proxy.port);
			const db = openPg({
				connectionString: viaProxy.toString(),
				max: 6,
				connectionTimeoutMillis: 1_000,
				onError: () => {},
			});
			const wakeup = await listeningWakeup(viaProxy.toString(), [
				DELIVERIES_CHANNEL,
				"plumb_events",
			]);
			const { stream, lines } = captureLogs();
			const logger = createLogger({
				level: "info",
				secretValues: [],
				destination: stream,
			});
			const config = testConfig();
			const events = startEventWorker(
				{
					...eventWorkerDeps(db),
					logger,
					wakeup,
					plans: {},
					publicUrl: "http://plumb.test",
				},
				{ idleMs: 200 },
			);
			const deliveries = startDeliveryWorker({
				db,
				logger,
				metrics: createMetrics(),
				wakeup,
				connectors: {
					slack: {
						destination: "slack",
						deliver: async () => outcome.ok("sent"),
					},
				},
				settings: testSettings(),
				publicUrl: "http://plumb.test",
			});
			const alerts = startAlertEvaluator({
				db,
				logger,
				settings: { ...config.alerts, intervalMs: 200 },
				publicUrl: "http://plumb.test",
			});
			try {
				await postEvents(10, "before");
				await seedDeliveries(testDb.db, 10, {
					destination: "slack",
					action: "notify",
					prefix: "before",
				});
				await waitFor(async () => {
					const now = await counts();
					return now.processed === 10 && now.succeeded === 10;
				}, 20_000);

				// A restart: every backend of this database ends. Then the network goes for 2 s.
				const name = new URL(testDb.url as string).pathname.slice(1);
				await adminQuery(
					`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`,
				);
				await sleep(300);
				await proxy.cut();
				await postEvents(10, "during");
				await seedDeliveries(testDb.db, 10, {
					destination: "slack",
					action: "notify",
					prefix: "during",
				});
				await sleep(2_000);
				await proxy.restore();

				await waitFor(async () => {
					const now = await counts();
					return now.processed === 20 && now.succeeded === 20;
				}, 20_000);
				expect(uncaught).toEqual([]);
				// A lost database is nobody's fault: no event was charged an attempt or parked.
				expect((await counts()).charged).toBe(0);
				const logged = lines.map(
					(line) => JSON.parse(line) as Record<string, unknown>,
				);
				const eventWarnings = logged.filter(
					(line) =>
						line.step === "apply" && line.outcome === "database_unavailable",
				);
				expect(eventWarnings.length).toBeGreaterThan(0);
				// Throttled: two loops retrying for 2 s say so once, with where the backoff stands.
				expect(eventWarnings.length).toBeLessThanOrEqual(2);
				expect(eventWarnings[0]).toMatchObject({
					level: "warn",
					attempt: expect.any(Number),
					next_delay_ms: expect.any(Number),
				});
				expect(
					logged.some(
						(line) =>
							line.step === "deliver" && line.outcome === "worker_error",
					),
				).toBe(true);
				expect(logged.some((line) => line.outcome === "worker_resumed")).toBe(
					true,
				);
			} finally {
				await Promise.all([events.stop(), alerts.stop()]);
				await deliveries.stop();
				await wakeup.close();
				await db.close();
			}
		});
	},
);
