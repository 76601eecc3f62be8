/**
 * End to end through the real connectors: a fresh database per test, the HubSpot, Zendesk and Slack
 * stand-ins on loopback, a config pointing at them, and `deliverAll()` (rules, then the delivery worker
 * with the production connectors until nothing is left to do). Read the fields inside a test.
 */
import { afterEach, beforeEach } from "vitest";
import type { Config } from "../../src/config/index.ts";
import { createConnectors } from "../../src/connectors/index.ts";
import { testConfig } from "./app.ts";
import { waitFor } from "./child.ts";
import { type Backend, freshDb, type TestDb } from "./db.ts";
import {
	startTestWorker,
	type TestWorker,
	testSettings,
} from "./delivery-worker.ts";
import { count } from "./state.ts";
import {
	connectorLogs,
	startHubSpotStandIn,
	startSlackStandIn,
	startZendeskStandIn,
} from "./vendor-stand-ins.ts";
import { drainEvents } from "./worker.ts";

export interface VendorFlow {
	testDb: TestDb;
	hubspot: Awaited<ReturnType<typeof startHubSpotStandIn>>;
	zendesk: Awaited<ReturnType<typeof startZendeskStandIn>>;
	slack: Awaited<ReturnType<typeof startSlackStandIn>>;
	config: Config;
	deliverAll: () => Promise<void>;
}

export function useVendorFlow(
	backend: Backend,
	credentials: {
		hubspotToken: string;
		zendesk: { email: string; token: string };
	},
): VendorFlow {
	let current: Omit<VendorFlow, "deliverAll"> | undefined;
	let worker: TestWorker | undefined;
	beforeEach(async () => {
		const testDb = await freshDb(backend);
		const [hubspot, zendesk, slack] = await Promise.all([
			startHubSpotStandIn({ token: credentials.hubspotToken }),
			startZendeskStandIn(credentials.zendesk),
			startSlackStandIn(),
		]);
		const config = testConfig({
			HUBSPOT_ACCESS_TOKEN: credentials.hubspotToken,
			HUBSPOT_BASE_URL: hubspot.url,
			ZENDESK_BASE_URL: zendesk.url,
			ZENDESK_EMAIL: credentials.zendesk.email,
			ZENDESK_API_TOKEN: credentials.zendesk.token,
			SLACK_WEBHOOK_URL: slack.webhookUrl,
		});
		current = { testDb, hubspot, zendesk, slack, config };
	});
	afterEach(async () => {
		await worker?.stop();
		worker = undefined;
		if (!current) return;
		const { hubspot, zendesk, slack, testDb } = current;
		await Promise.all([hubspot.close(), zendesk.close(), slack.close()]);
		await testDb.dispose();
		current = undefined;
	});
	const now = () => {
		if (!current) throw new Error("the vendor flow exists only inside a test");
		return current;
	};
	return {
		get testDb() {
			return now().testDb;
		},
		get hubspot() {
			return now().hubspot;
		},
		get zendesk() {
			return now().zendesk;
		},
		get slack() {
			return now().slack;
		},
		get config() {
			return now().config;
		},
		async deliverAll() {
			const { testDb, config } = now();
			await drainEvents(testDb.db, config);
			worker = await startTestWorker(testDb, {
				connectors: createConnectors(config, {
					logger: connectorLogs().logger,
				}),
				settings: testSettings({ timeoutMs: 5_000, leaseMs: 10_000 }),
			});
			await waitFor(
				async () =>
					(await count(
						testDb.db,
						"select * from plumb.deliveries where status not in ('succeeded', 'skipped', 'dead')",
					)) === 0,
				20_000,
			);
		},
	};
}
