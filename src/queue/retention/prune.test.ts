import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import {
	ago,
	DAY,
	insertDeliveryRow,
	insertRow,
} from "../../../test/support/rows.ts";
import { createLogger, createMetrics } from "../../observability/index.ts";
import {
	claimSyncCheckpoint,
	type Db,
	tableStats,
	uuidAt,
} from "../../store/index.ts";
import { type PruneSettings, prune } from "./prune.ts";

const logger = createLogger({ level: "silent", secretValues: [] });
const settings: PruneSettings = {
	payloadsMs: 30 * DAY,
	attemptsMs: 90 * DAY,
	alertsMs: 90 * DAY,
	sessionIdleMs: 30 * 60_000,
};

/** A UUIDv7-ordered id of `at` (ids are what retention reads time from). */
let serial = 0;
const idAt = (at: Date) =>
	`${uuidAt(at).slice(0, 24)}${(++serial).toString(16).padStart(12, "0")}`;

const insertEvent = (db: Db, at: Date, status: string) =>
	insertRow(db, "plumb.events", {
		id: idAt(at),
		type: "payment_succeeded",
		source: "stripe",
		external_id: `evt_${++serial}`,
		occurred_at: at,
		received_at: at,
		correlation_id: `req_${serial}`,
		data: JSON.stringify({ amount: serial }),
		payload: JSON.stringify({ id: `evt_${serial}`, secret: "raw" }),
		status,
	});

const payloads = async (db: Db) =>
	new Map(
		(
			await db.query<{ id: string; payload: unknown; data: unknown }>(
				"select id, payload, data from plumb.events",
			)
		).map((row) => [row.id, row]),
	);

describe.each(backends)("prune on %s", (backend: Backend) => {
	const t = useFreshDb(backend);
	const deps = () => ({ db: t.db, logger, now: Date.now });

	it("removes the raw payloads of processed events past retention, in batches, and keeps every event row and its data", async () => {
		const oldProcessed = await Promise.all(
			[0, 1, 2, 3, 4].map(() => insertEvent(t.db, ago(40 * DAY), "processed")),
		);
		const oldPending = await insertEvent(t.db, ago(40 * DAY), "pending");
		const oldFailed = await insertEvent(t.db, ago(40 * DAY), "failed");
		const recent = await insertEvent(t.db, ago(29 * DAY), "processed");
		const before = await payloads(t.db);

		const result = await prune(deps(), settings, { batchSize: 2 });

		expect(result).toMatchObject({
			ran: true,
			summary: { removed: { payloads: 5 }, finished: true },
		});
		const after = await payloads(t.db);
		expect(after.size).toBe(8);
		for (const { id } of oldProcessed) {
			expect(after.get(id)?.payload).toBeNull();
			expect(after.get(id)?.data).toEqual(before.get(id)?.data);
		}
		for (const { id } of [oldPending, oldFailed, recent])
			expect(after.get(id)?.payload).toEqual(before.get(id)?.payload);
		// Nothing left: a second run removes nothing.
		const again = await prune(deps(), settings);
		expect(again).toMatchObject({ summary: { removed: { payloads: 0 } } });
	});

	it("deletes old delivery attempts, long-resolved alerts, ended sessions and idle rate buckets; keeps recent ones, open alerts and live sessions", async () => {
		const delivery = await insertDeliveryRow(t.db, "k1");
		const attempt = (at: Date, n: number) =>
			insertRow(t.db, "plumb.delivery_attempts", {
				id: idAt(at),
				delivery_id: delivery.id,
				attempt: n,
				started_at: at,
				outcome: "retry",
			});
		await attempt(ago(100 * DAY), 1);
		await attempt(ago(95 * DAY), 2);
		const keptAttempt = await attempt(ago(80 * DAY), 3);
		const alert = (key: string, status: string, resolvedAt: Date | null) =>
			insertRow(t.db, "plumb.alerts", {
				kind: "failure_rate",
				dedupe_key: key,
				severity: "warning",
				title: key,
				status,
				created_at: ago(200 * DAY),
				resolved_at: resolvedAt,
			});
		await alert("old-resolved", "resolved", ago(91 * DAY));
		const recentResolved = await alert("new-resolved", "resolved", ago(DAY));
		const open = await alert("still-open", "open", null);
		const session = (id: string, expiresAt: Date, lastSeen: Date) =>
			insertRow(t.db, "plumb.admin_sessions", {
				id_hash: id,
				token_check: "x",
				expires_at: expiresAt,
				last_seen_at: lastSeen,
			});
		await session("expired", ago(60_000), ago(120_000));
		await session("idle", ago(-DAY), ago(3_600_000));
		await session("live", ago(-DAY), ago(60_000));
		const bucket = (caller: string, at: Date) =>
			insertRow(t.db, "plumb.caller_rates", {
				caller,
				tokens: 1,
				refilled_at: at,
				allowed: true,
			});
		await bucket("user:idle", ago(2 * DAY));
		await bucket("user:active", ago(60_000));

		const result = await prune(deps(), settings, { batchSize: 1 });

		expect(result).toMatchObject({
			ran: true,
			summary: {
				removed: {
					attempts: 2,
					alerts: 1,
					sessions: 2,
					payloads: 0,
					buckets: 1,
				},
				finished: true,
			},
		});
		const ids = async (sql: string) =>
			(await t.db.query<{ id: string }>(sql)).map((row) => row.id).sort();
		expect(await ids("select id from plumb.delivery_attempts")).toEqual([
			keptAttempt.id,
		]);
		expect(await ids("select id from plumb.alerts")).toEqual(
			[recentResolved.id, open.id].sort(),
		);
		expect(await ids("select id_hash as id from plumb.admin_sessions")).toEqual(
			["live"],
		);
		expect(await ids("select caller as id from plumb.caller_rates")).toEqual([
			"user:active",
		]);
		// The delivery itself is business history: it stays.
		expect(await ids("select id from plumb.deliveries")).toEqual([delivery.id]);
	});

	it("keeps everything a setting says to keep forever", async () => {
		const old = await insertEvent(t.db, ago(400 * DAY), "processed");
		const result = await prune(deps(), {
			...settings,
			payloadsMs: undefined,
			attemptsMs: undefined,
			alertsMs: undefined,
		});
		expect(result).toMatchObject({
			summary: { removed: { payloads: 0, attempts: 0, alerts: 0 } },
		});
		expect((await payloads(t.db)).get(old.id)?.payload).not.toBeNull();
	});

	it("runs in one process at a time: while another holds the lease it does nothing", async () => {
		const old = await insertEvent(t.db, ago(40 * DAY), "processed");
		expect(await claimSyncCheckpoint(t.db, "prune", 60_000)).toBeDefined();
		const metrics = createMetrics();

		expect(await prune({ ...deps(), metrics }, settings)).toEqual({
			ran: false,
		});

		expect((await payloads(t.db)).get(old.id)?.payload).not.toBeNull();
		expect(
			await metrics.registry.getSingleMetricAsString("plumb_prune_runs_total"),
		).toContain('outcome="busy"} 1');
	});

	it("stops at its time budget with work left, releases the lease, and the next run goes on", async () => {
		await insertEvent(t.db, ago(40 * DAY), "processed");
		await insertEvent(t.db, ago(40 * DAY), "processed");

		const cut = await prune(deps(), settings, { budgetMs: -1 });
		expect(cut).toMatchObject({
			ran: true,
			summary: { finished: false, removed: { payloads: 0 } },
		});
		const next = await prune(deps(), settings);
		expect(next).toMatchObject({
			ran: true,
			summary: { finished: true, removed: { payloads: 2 } },
		});
	});

	it("reports each table's size and dead rows for the gauges", async () => {
		await insertEvent(t.db, ago(40 * DAY), "processed");
		const stats = await tableStats(t.db);
		const events = stats.find((row) => row.table === "events");
		expect(events?.bytes).toBeGreaterThan(0);
		expect(stats.map((row) => row.table)).toEqual(
			expect.arrayContaining(["events", "deliveries", "delivery_attempts"]),
		);
		const metrics = createMetrics();
		metrics.setTableSource(() => tableStats(t.db));
		const text = await metrics.registry.metrics();
		expect(text).toMatch(/plumb_table_size_bytes\{table="events"\} [1-9]\d*/);
		expect(text).toMatch(/plumb_table_dead_rows\{table="events"\} \d+/);
	});
});
