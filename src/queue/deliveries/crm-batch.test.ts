/**
 * CRM syncs through the delivery worker in batches: due syncs go out together in HubSpot batch
 * upserts, and each delivery is settled on its own (fenced) from its own input's result, with its
 * own retry budget. Real database, the real HubSpot connector, HubSpot's stand-in on loopback.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../../../test/support/child.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../../test/support/db.ts";
import {
	startTestWorker,
	statusCounts,
	type TestWorker,
	testSettings,
	testSettler,
} from "../../../test/support/delivery-worker.ts";
import {
	connectorLogs,
	HUBSPOT_RATE_LIMIT_BODY,
	startHubSpotStandIn,
} from "../../../test/support/vendor-stand-ins.ts";
import { createHubSpotConnector } from "../../connectors/index.ts";
import type { Connector } from "../../core/index.ts";
import { claimDeliveries, type Db } from "../../store/index.ts";
import { runBatchAttempt } from "./attempt.ts";

const TOKEN = "pat-na1-plumb-queue-1234-5678-9012";

/** `count` customers person1… with an e-mail, each with one waiting CRM sync. */
async function seedSyncs(db: Db, count: number): Promise<void> {
	await db.query(
		`with people as (
		   insert into plumb.customers (email, name, tier, lifecycle_stage)
		   select 'person' || n || '@example.com', 'Person ' || n, 'standard', 'customer'
		   from generate_series(1, $1::int) as n
		   returning id
		 )
		 insert into plumb.deliveries (destination, action, idempotency_key, customer_id)
		 select 'hubspot', 'crm_sync', 'hubspot:crm_sync:' || id, id from people`,
		[count],
	);
}

interface SyncRow {
	id: string;
	email: string;
	status: string;
	attempts: number;
	permanent_failures: number;
	external_ref: string | null;
	last_error: string | null;
}

async function syncRows(db: Db): Promise<SyncRow[]> {
	return db.query<SyncRow>(
		`select d.id, c.email, d.status, d.attempts, d.permanent_failures, d.external_ref, d.last_error
		 from plumb.deliveries d join plumb.customers c on c.id = d.customer_id
		 where d.destination = 'hubspot' order by c.email`,
	);
}

describe.each(backends)("CRM syncs in batches on %s", (backend: Backend) => {
	let testDb: TestDb;
	let vendor: Awaited<ReturnType<typeof startHubSpotStandIn>>;
	let connector: Connector;
	let worker: TestWorker | undefined;
	beforeEach(async () => {
		testDb = await freshDb(backend);
		vendor = await startHubSpotStandIn({ token: TOKEN });
		connector = createHubSpotConnector(
			{ accessToken: TOKEN, baseUrl: vendor.url },
			{ logger: connectorLogs().logger, fetch, now: Date.now },
		);
		worker = undefined;
	});
	afterEach(async () => {
		await worker?.stop();
		await vendor.close();
		await testDb.dispose();
	});

	const start = async () => {
		// The production safety sweep (30 s): every claim must come from the worker's own wake-ups,
		// with the other destinations unconfigured beside HubSpot, as in a real start.
		const settings = testSettings({
			timeoutMs: 10_000,
			leaseMs: 20_000,
			pollMs: 30_000,
		});
		worker = await startTestWorker(testDb, {
			connectors: { hubspot: connector },
			settings: {
				...settings,
				limits: {
					...settings.limits,
					hubspot: { concurrency: 4, ratePerSecond: 1_000 },
				},
			},
		});
	};
	const upserts = () =>
		vendor.requests.filter((r) => r.path.endsWith("/batch/upsert"));

	it("250 due syncs go out in 3 upserts of at most 100, each delivery settled with its own contact's id", async () => {
		await seedSyncs(testDb.db, 250);
		await start();
		await waitFor(
			async () => (await statusCounts(testDb.db)).succeeded === 250,
		);
		const sizes = upserts().map(
			(r) => (r.body as { inputs: unknown[] }).inputs.length,
		);
		expect(sizes.sort((a, b) => b - a)).toEqual([100, 100, 50]);
		expect(
			vendor.requests.filter((r) => r.path.endsWith("/batch/read")),
		).toHaveLength(3);
		const rows = await syncRows(testDb.db);
		for (const row of rows) {
			expect(row).toMatchObject({ status: "succeeded", attempts: 1 });
			expect(row.external_ref).toBe(vendor.contacts.get(row.email)?.id);
		}
		expect(new Set(rows.map((r) => r.external_ref)).size).toBe(250);
	});

	it("a contact HubSpot refuses in a 207 fails alone, to its own dead letter; the rest of its batch succeeds once", async () => {
		vendor.state.refuse.set("person7@example.com", {
			status: "400",
			category: "VALIDATION_ERROR",
			message: "Property values were not valid: firstname",
		});
		await seedSyncs(testDb.db, 30);
		await start();
		await waitFor(async () => {
			const counts = await statusCounts(testDb.db);
			return counts.succeeded === 29 && counts.dead === 1;
		});
		const rows = await syncRows(testDb.db);
		const refused = rows.find((r) => r.email === "person7@example.com");
		expect(refused).toMatchObject({
			status: "dead",
			attempts: 3,
			permanent_failures: 3,
			last_error: expect.stringMatching(
				/^permanent failure: HubSpot refused the contact \(207\): VALIDATION_ERROR/,
			),
		});
		for (const row of rows.filter((r) => r !== refused))
			expect(row).toMatchObject({
				status: "succeeded",
				attempts: 1,
				permanent_failures: 0,
			});
		const alerts = await testDb.db.query<{ dedupe_key: string }>(
			"select dedupe_key from plumb.alerts",
		);
		expect(alerts).toEqual([{ dedupe_key: `dead:${refused?.id}` }]);
	});

	it("a 429 for a batch: every delivery in it waits the Retry-After, the destination pauses, no refusal is counted", async () => {
		vendor.fail(
			{
				kind: "status",
				status: 429,
				headers: { "retry-after": "1" },
				body: HUBSPOT_RATE_LIMIT_BODY,
			},
			{ times: 1, when: (r) => r.path.endsWith("/batch/upsert") },
		);
		await seedSyncs(testDb.db, 40);
		await start();
		await waitFor(async () => (await statusCounts(testDb.db)).succeeded === 40);
		const [limited, next] = upserts().map((r) => r.at);
		expect((next ?? 0) - (limited ?? 0)).toBeGreaterThanOrEqual(950);
		for (const row of await syncRows(testDb.db))
			expect(row).toMatchObject({
				status: "succeeded",
				attempts: 2,
				permanent_failures: 0,
			});
		const attempts = await testDb.db.query<{
			outcome: string;
			http_status: number | null;
			n: number;
		}>(
			`select outcome, http_status, count(*)::int as n from plumb.delivery_attempts
			 group by outcome, http_status order by outcome`,
		);
		expect(attempts).toEqual([
			{ outcome: "retry", http_status: 429, n: 40 },
			{ outcome: "succeeded", http_status: null, n: 40 },
		]);
		expect(
			await worker?.metrics.registry.getSingleMetricAsString(
				"plumb_delivery_rate_limited_total",
			),
		).toContain('destination="hubspot"} 1');
	});

	it("fencing holds inside a batch: a delivery whose lease moved on is refused, the others of its call land", async () => {
		await seedSyncs(testDb.db, 3);
		const claimed = await claimDeliveries(
			testDb.db,
			[{ destination: "hubspot", limit: 3 }],
			60_000,
		);
		expect(claimed).toHaveLength(3);
		const [taken] = claimed;
		// Another worker took this one over (its lease expired and it was claimed again).
		await testDb.db.query(
			"update plumb.deliveries set attempts = attempts + 1 where id = $1",
			[taken?.id],
		);
		const batch = connector.batch;
		if (batch === undefined) throw new Error("no batch support");
		const results = await runBatchAttempt(claimed, batch, {
			db: testDb.db,
			connector,
			settings: testSettings(),
			publicUrl: "http://plumb.test",
			scrub: (text) => text,
			now: Date.now,
			random: Math.random,
			stopCalls: new AbortController().signal,
			leaseDeadline: Date.now() + 60_000,
		});
		expect(results.map((r) => r.row.status)).toEqual([
			"succeeded",
			"succeeded",
			"succeeded",
		]);
		const { settler } = testSettler(testDb.db);
		await Promise.all(
			results.map((result, i) =>
				settler.submit({ ...result, delivery: claimed[i] as never }),
			),
		);
		const rows = await syncRows(testDb.db);
		const fenced = rows.find((r) => r.id === taken?.id);
		expect(fenced).toMatchObject({ status: "running", attempts: 2 });
		expect(rows.filter((r) => r.status === "succeeded")).toHaveLength(2);
		expect(
			await testDb.db.query(
				"select 1 from plumb.delivery_attempts where delivery_id = $1",
				[taken?.id],
			),
		).toEqual([]);
	});
});
