import { describe, expect, it } from "vitest";
import { waitFor } from "../../../test/support/child.ts";
import { type Backend, backends } from "../../../test/support/db.ts";
import {
	deliveryStates,
	queueFixture,
	seedDeliveries,
	seedOne,
	startTestWorker,
	statusCounts,
	testSettings,
} from "../../../test/support/delivery-worker.ts";
import { standInConnector } from "../../../test/support/stand-in.ts";
import { insertEvent } from "../../store/index.ts";
import { replayDelivery } from "./replay.ts";

describe.each(backends)("delivery worker on %s", (backend: Backend) => {
	const t = queueFixture(backend);
	const zendesk = () => ({
		zendesk: standInConnector("zendesk", t.standIn.url),
	});

	it("delivers each pending delivery once, with its idempotency key, and records the attempt and a log line", async () => {
		const event = await insertEvent(t.testDb.db, {
			type: "support_requested",
			source: "app",
			externalId: "req_1",
			occurredAt: new Date(),
			correlationId: "corr-abc",
			data: {},
			payload: {},
		});
		const id = await seedOne(t.testDb.db, {
			destination: "zendesk",
			action: "create_ticket",
			key: "zendesk:create_ticket:t1",
			eventId: event.id,
			payload: { subject: "Help" },
		});
		const others = await seedDeliveries(t.testDb.db, 20);
		// Generous bounds: a cold PGlite on a busy machine must not turn into spurious timeouts here.
		t.worker = await startTestWorker(t.testDb, {
			connectors: zendesk(),
			settings: testSettings({ timeoutMs: 10_000, leaseMs: 20_000 }),
		});
		await waitFor(
			async () => (await statusCounts(t.testDb.db)).succeeded === 21,
		);

		expect(t.standIn.requests).toHaveLength(21);
		expect(t.standIn.ledger.get("zendesk:create_ticket:t1")?.body).toContain(
			"Help",
		);
		const [row] = (await deliveryStates(t.testDb.db)).filter(
			(d) => d.id === id,
		);
		expect(row).toMatchObject({
			status: "succeeded",
			attempts: 1,
			last_error: null,
		});
		expect(row?.external_ref).toBe(
			t.standIn.ledger.get("zendesk:create_ticket:t1")?.ref,
		);
		const attempts = await t.testDb.db.query<{
			delivery_id: string;
			outcome: string;
			http_status: number;
			latency_ms: number;
		}>(
			"select delivery_id, outcome, http_status, latency_ms from plumb.delivery_attempts",
		);
		expect(attempts).toHaveLength(21);
		expect(
			attempts.every((a) => a.outcome === "succeeded" && a.http_status === 201),
		).toBe(true);
		const lines = t.worker.logs().filter((l) => l.step === "deliver");
		expect(lines).toHaveLength(21);
		expect(lines.find((l) => l.delivery_id === id)).toMatchObject({
			correlation_id: "corr-abc",
			destination: "zendesk",
			action: "create_ticket",
			outcome: "succeeded",
			latency_ms: expect.any(Number),
		});
		expect(lines.find((l) => l.delivery_id === others[0])?.correlation_id).toBe(
			others[0],
		);
		expect(JSON.stringify(lines)).not.toContain("Help");
		const metrics = await t.worker.metrics.registry.getSingleMetricAsString(
			"plumb_delivery_attempts_total",
		);
		expect(metrics).toContain('destination="zendesk",outcome="succeeded"} 21');
		const sync = await t.worker.metrics.registry.getSingleMetricAsString(
			"plumb_sync_latency_seconds",
		);
		expect(sync).toContain(
			'plumb_sync_latency_seconds_count{destination="zendesk"} 1',
		);
	});

	it("retries transient failures (5xx, timeout, reset, applied-then-timed-out) and applies each effect once", async () => {
		const ids = await seedDeliveries(t.testDb.db, 4);
		const script = new Map([
			[ids[0], ["status", "ok"]],
			[ids[1], ["hang", "ok"]],
			[ids[2], ["reset", "ok"]],
			[ids[3], ["apply-then-hang", "ok"]],
		]);
		t.standIn.setFault((request) => {
			const kind = script.get(request.deliveryId)?.shift() ?? "ok";
			return kind === "status"
				? { kind, status: 503 }
				: ({ kind } as { kind: "ok" });
		});
		t.worker = await startTestWorker(t.testDb, {
			connectors: zendesk(),
			settings: testSettings({ timeoutMs: 300 }),
		});
		await waitFor(
			async () => (await statusCounts(t.testDb.db)).succeeded === 4,
		);
		for (const state of await deliveryStates(t.testDb.db))
			expect(state.attempts).toBe(2);
		expect(t.standIn.ledger.size).toBe(4);
		const absorbed = [...t.standIn.ledger.values()].filter(
			(e) => e.repeats > 0,
		);
		expect(absorbed).toHaveLength(1); // the one applied before it timed out: second call found it
		const outcomes = await t.testDb.db.query<{
			delivery_id: string;
			attempt: number;
			outcome: string;
			error: string | null;
		}>(
			"select delivery_id, attempt, outcome, error from plumb.delivery_attempts order by delivery_id, attempt",
		);
		expect(outcomes.map((o) => o.outcome)).toEqual(
			Array(4).fill(["retry", "succeeded"]).flat(),
		);
		const firstError = (id: string | undefined) =>
			outcomes.find((o) => o.delivery_id === id && o.attempt === 1)?.error;
		expect(firstError(ids[0])).toBe("server error 503");
		expect(firstError(ids[1])).toMatch(/timed out after 300 ms/);
		expect(firstError(ids[2])).toMatch(/^network: /);
		expect(firstError(ids[3])).toMatch(/timed out after 300 ms/);
	});

	it("keeps the per-destination concurrency cap and rate limit", async () => {
		await seedDeliveries(t.testDb.db, 12);
		await seedDeliveries(t.testDb.db, 20, {
			destination: "hubspot",
			action: "upsert",
		});
		let open = 0;
		let peak = 0;
		t.standIn.setFault((request) => {
			if (request.key.startsWith("hubspot")) return { kind: "ok" };
			open++;
			peak = Math.max(peak, open);
			setTimeout(() => open--, 40);
			return { kind: "ok", delayMs: 40 };
		});
		const settings = testSettings({ timeoutMs: 10_000, leaseMs: 20_000 });
		t.worker = await startTestWorker(t.testDb, {
			connectors: {
				...zendesk(),
				hubspot: standInConnector("hubspot", t.standIn.url),
			},
			settings: {
				...settings,
				limits: {
					...settings.limits,
					zendesk: { concurrency: 2, ratePerSecond: undefined },
					hubspot: { concurrency: 8, ratePerSecond: 10 },
				},
			},
		});
		await waitFor(
			async () => (await statusCounts(t.testDb.db)).succeeded === 32,
		);
		expect(peak).toBe(2);
		const hubspot = t.standIn.requests
			.filter((r) => r.key.startsWith("hubspot"))
			.map((r) => r.at);
		const first = hubspot[0] ?? 0;
		// A bucket of one second's worth (10) goes at once; the other 10 follow at 10/s.
		expect(hubspot.filter((at) => at - first < 500).length).toBeLessThanOrEqual(
			16,
		);
		expect((hubspot.at(-1) ?? 0) - first).toBeGreaterThanOrEqual(850);
	});

	it("skips a destination that is not configured, naming the variable, and a replay runs it once configured", async () => {
		const [id] = await seedDeliveries(t.testDb.db, 1, {
			destination: "hubspot",
			action: "upsert",
		});
		t.worker = await startTestWorker(t.testDb, { connectors: {} });
		await waitFor(async () => (await statusCounts(t.testDb.db)).skipped === 1);
		expect((await deliveryStates(t.testDb.db))[0]?.last_error).toBe(
			"HubSpot is not configured: set HUBSPOT_ACCESS_TOKEN",
		);
		await t.worker.stop();

		t.worker = await startTestWorker(t.testDb, {
			connectors: { hubspot: standInConnector("hubspot", t.standIn.url) },
		});
		const replay = await replayDelivery(t.testDb.db, {
			id: id as string,
			actor: "test",
			reason: "configured now",
			force: false,
		});
		expect(replay).toMatchObject({ changed: true, status: "pending" });
		await waitFor(
			async () => (await statusCounts(t.testDb.db)).succeeded === 1,
		);
		expect(t.standIn.ledger.size).toBe(1);
		expect((await deliveryStates(t.testDb.db))[0]?.attempts).toBe(2);
	});

	it("drains on stop: a call that outlives the drain timeout is aborted and released, due again at once", async () => {
		const [id] = await seedDeliveries(t.testDb.db, 1);
		t.standIn.setFault(() => ({ kind: "hang" }));
		t.worker = await startTestWorker(t.testDb, {
			connectors: zendesk(),
			settings: testSettings({
				timeoutMs: 5_000,
				leaseMs: 10_000,
				drainMs: 200,
			}),
		});
		await waitFor(() => t.standIn.requests.length === 1);
		const started = Date.now();
		await t.worker.stop();
		expect(Date.now() - started).toBeLessThan(1_500);
		const [row] = await deliveryStates(t.testDb.db);
		expect(row).toMatchObject({ id, status: "retry_pending", attempts: 1 });
		expect(row?.last_error).toMatch(/^released at shutdown/);
		expect(row?.next_attempt_at.getTime()).toBeLessThanOrEqual(Date.now() + 50);
	});
});
