import { describe, expect, it } from "vitest";
import { waitFor } from "../../../test/support/child.ts";
import { type Backend, backends } from "../../../test/support/db.ts";
import {
	deliveryStates,
	queueFixture,
	seedDeliveries,
	startTestWorker,
	statusCounts,
	testSettings,
} from "../../../test/support/delivery-worker.ts";
import { standInConnector } from "../../../test/support/stand-in.ts";
import { replayDelivery } from "./replay.ts";

interface AlertRow {
	kind: string;
	dedupe_key: string;
	status: string;
	delivery_id: string;
}

describe.each(backends)("dead letters on %s", (backend: Backend) => {
	const t = queueFixture(backend);
	const alerts = () =>
		t.testDb.db.query<AlertRow>(
			"select kind, dedupe_key, status, delivery_id from plumb.alerts order by created_at",
		);
	const notifications = () =>
		t.testDb.db.query<{
			destination: string;
			status: string;
			payload: { kind: string; alert_id: string };
		}>(
			"select destination, status, payload from plumb.deliveries where action = 'notify' order by destination",
		);
	const settings = testSettings({ timeoutMs: 10_000, leaseMs: 20_000 });

	it("a validation failure goes dead after exactly 3 attempts and raises one alert with its notifications", async () => {
		const [id] = await seedDeliveries(t.testDb.db, 1);
		t.standIn.setFault(() => ({ kind: "status", status: 422 }));
		t.worker = await startTestWorker(t.testDb, {
			connectors: { zendesk: standInConnector("zendesk", t.standIn.url) },
			settings,
		});
		await waitFor(async () => (await statusCounts(t.testDb.db)).dead === 1);
		const [row] = (await deliveryStates(t.testDb.db)).filter(
			(d) => d.id === id,
		);
		expect(row).toMatchObject({
			status: "dead",
			attempts: 3,
			permanent_failures: 3,
		});
		expect(row?.last_error).toBe("permanent failure: rejected: 422");
		expect(t.standIn.requests).toHaveLength(3);
		const outcomes = await t.testDb.db.query<{
			outcome: string;
			http_status: number;
		}>(
			"select outcome, http_status from plumb.delivery_attempts where delivery_id = $1 order by attempt",
			[id],
		);
		expect(outcomes).toEqual(
			Array(3).fill({ outcome: "permanent", http_status: 422 }),
		);
		expect(await alerts()).toEqual([
			{
				kind: "dead_delivery",
				dedupe_key: `dead:${id}`,
				status: "open",
				delivery_id: id,
			},
		]);
		// Slack and e-mail are not configured here: their notifications are recorded and skipped, not lost.
		await waitFor(async () =>
			(await notifications()).every((n) => n.status === "skipped"),
		);
		expect(
			(await notifications()).map((n) => [n.destination, n.payload.kind]),
		).toEqual([
			["email", "dead_delivery"],
			["slack", "dead_delivery"],
		]);
		const dead = await t.worker.metrics.registry.getSingleMetricAsString(
			"plumb_deliveries_total",
		);
		expect(dead).toContain('destination="zendesk",status="dead"} 1');
	});

	it("a dead notification opens an alert row but notifies no one (no loop through the failing channels)", async () => {
		const [id] = await seedDeliveries(t.testDb.db, 1, {
			destination: "slack",
			action: "notify",
		});
		t.standIn.setFault(() => ({ kind: "status", status: 404 }));
		t.worker = await startTestWorker(t.testDb, {
			connectors: {
				slack: standInConnector("slack", t.standIn.url),
				email: standInConnector("email", t.standIn.url),
			},
			settings,
		});
		await waitFor(async () => (await statusCounts(t.testDb.db)).dead === 1);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(await alerts()).toEqual([
			{
				kind: "dead_delivery",
				dedupe_key: `dead:${id}`,
				status: "open",
				delivery_id: id,
			},
		]);
		expect(await statusCounts(t.testDb.db)).toEqual({ dead: 1 });
	});

	it("transient failures retry until the horizon, then go dead; a replay gives a fresh budget and succeeds once the fault clears", async () => {
		const [id] = await seedDeliveries(t.testDb.db, 1);
		t.standIn.setFault(() => ({ kind: "status", status: 503 }));
		t.worker = await startTestWorker(t.testDb, {
			connectors: { zendesk: standInConnector("zendesk", t.standIn.url) },
			settings: {
				...settings,
				horizonMs: 400,
				backoffBaseMs: 20,
				backoffMaxMs: 80,
			},
		});
		await waitFor(async () => (await statusCounts(t.testDb.db)).dead === 1);
		const [dead] = await deliveryStates(t.testDb.db);
		expect(dead?.last_error).toBe(
			"gave up after 400 ms of retries: server error 503",
		);
		expect(dead?.attempts).toBeGreaterThanOrEqual(3);
		const firstDeath = dead?.attempts ?? 0;

		// Replayed while the fault persists: a fresh 400 ms budget, dead again, still one alert.
		await replayDelivery(t.testDb.db, {
			id: id as string,
			actor: "test",
			reason: "still down?",
			force: false,
		});
		await waitFor(async () => {
			const [row] = await deliveryStates(t.testDb.db);
			return row?.status === "dead" && row.attempts > firstDeath + 1;
		});
		expect(await alerts()).toHaveLength(1);

		t.standIn.setFault(() => ({ kind: "ok" }));
		const requestsBefore = t.standIn.requests.length;
		const replay = await replayDelivery(t.testDb.db, {
			id: id as string,
			actor: "test",
			reason: "fault cleared",
			force: false,
		});
		expect(replay).toMatchObject({ changed: true, status: "pending" });
		await waitFor(
			async () => (await statusCounts(t.testDb.db)).succeeded === 1,
		);
		expect(t.standIn.requests.length - requestsBefore).toBe(1);
		expect(t.standIn.ledger.size).toBe(1);
		expect((await alerts()).map((a) => a.status)).toEqual(["resolved"]);
		expect(
			await replayDelivery(t.testDb.db, {
				id: id as string,
				actor: "test",
				reason: "again",
				force: false,
			}),
		).toMatchObject({
			changed: false,
			status: "succeeded",
		});
		const interventions = await t.testDb.db.query<{
			kind: string;
			actor: string;
			reason: string;
			affected: number;
		}>(
			"select kind, actor, reason, affected from plumb.interventions order by created_at",
		);
		expect(interventions).toEqual([
			{ kind: "replay", actor: "test", reason: "still down?", affected: 1 },
			{ kind: "replay", actor: "test", reason: "fault cleared", affected: 1 },
		]);
	});

	it("honours Retry-After (delta seconds, then an HTTP-date) within ±100 ms and pauses the destination meanwhile", async () => {
		const [first] = await seedDeliveries(t.testDb.db, 1);
		await seedDeliveries(t.testDb.db, 1, { prefix: "later" }); // due after `first`, so claimed after it
		let answered = 0;
		let dateMs = 0;
		t.standIn.setFault((request) => {
			if (request.deliveryId !== first) return { kind: "ok" };
			answered++;
			if (answered === 1)
				return { kind: "status", status: 429, retryAfter: "1" };
			if (answered === 2) {
				// HTTP-dates have whole seconds: aim 2 s ahead, then measure against the date itself.
				dateMs = Math.floor((Date.now() + 2_000) / 1000) * 1000;
				return {
					kind: "status",
					status: 503,
					retryAfter: new Date(dateMs).toUTCString(),
				};
			}
			return { kind: "ok" };
		});
		t.worker = await startTestWorker(t.testDb, {
			connectors: { zendesk: standInConnector("zendesk", t.standIn.url) },
			settings: {
				...settings,
				limits: {
					...settings.limits,
					zendesk: { concurrency: 1, ratePerSecond: undefined },
				},
			},
		});
		await waitFor(
			async () => (await statusCounts(t.testDb.db)).succeeded === 2,
			10_000,
		);
		const mine = t.standIn.requests
			.filter((r) => r.deliveryId === first)
			.map((r) => r.at);
		expect(mine).toHaveLength(3);
		const [at429 = 0, at503 = 0, atOk = 0] = mine;
		expect(Math.abs(at503 - at429 - 1_000)).toBeLessThanOrEqual(100);
		expect(Math.abs(atOk - dateMs)).toBeLessThanOrEqual(100);
		// The 429 paused zendesk for this process: the other delivery waited out the second too.
		const other = t.standIn.requests.find((r) => r.deliveryId !== first);
		expect((other?.at ?? 0) - at429).toBeGreaterThanOrEqual(900);
		const paused = await t.worker.metrics.registry.getSingleMetricAsString(
			"plumb_delivery_rate_limited_total",
		);
		expect(paused).toContain('destination="zendesk"} 1');
	});
});
