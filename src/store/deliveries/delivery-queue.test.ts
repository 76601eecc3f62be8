import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../../test/support/db.ts";
import { insertEvent } from "../events/index.ts";
import {
	claimDeliveries,
	nextDueInMs,
	recoverExpiredLeases,
	type SettleRow,
	settleDeliveries,
} from "./delivery-queue.ts";

interface Seed {
	key: string;
	destination?: string;
	action?: string;
	status?: string;
	attempts?: number;
	customerId?: string | null;
	eventId?: string | null;
	/** Due this many ms from the database's now (negative: overdue). */
	dueInMs?: number;
	/** Lease ends this many ms from now (running rows). */
	leaseInMs?: number | null;
	/** The retry budget started this many ms ago. */
	budgetAgeMs?: number;
	budgetAttempts?: number;
}

interface DeliveryState {
	idempotency_key: string;
	status: string;
	attempts: number;
	leased: boolean;
	last_error: string | null;
	external_ref: string | null;
}

describe.each(backends)("the delivery queue on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	const seed = async (s: Seed): Promise<string> => {
		const [row] = await testDb.db.query<{ id: string }>(
			`insert into plumb.deliveries (destination, action, idempotency_key, status, attempts, customer_id,
			   event_id, next_attempt_at, lease_expires_at, budget_started_at, budget_attempts)
			 values ($1, $2, $3, $4, $5, $6, $7, now() + $8::float8 * interval '1 millisecond',
			   now() + $9::float8 * interval '1 millisecond', now() - $10::float8 * interval '1 millisecond', $11)
			 returning id::text`,
			[
				s.destination ?? "zendesk",
				s.action ?? "create_ticket",
				s.key,
				s.status ?? "pending",
				s.attempts ?? 0,
				s.customerId ?? null,
				s.eventId ?? null,
				s.dueInMs ?? -1_000,
				s.leaseInMs ?? null,
				s.budgetAgeMs ?? 0,
				s.budgetAttempts ?? 0,
			],
		);
		if (!row) throw new Error("no delivery");
		return row.id;
	};
	const customer = async () => {
		const [row] = await testDb.db.query<{ id: string }>(
			"insert into plumb.customers default values returning id::text",
		);
		if (!row) throw new Error("no customer");
		return row.id;
	};
	const states = async () =>
		Object.fromEntries(
			(
				await testDb.db.query<DeliveryState>(
					`select idempotency_key, status, attempts, lease_expires_at is not null as leased, last_error,
					        external_ref
					 from plumb.deliveries order by idempotency_key`,
				)
			).map((row) => [row.idempotency_key, row]),
		);
	const attempts = () =>
		testDb.db.query<{ key: string; attempt: number; outcome: string }>(
			`select d.idempotency_key as key, a.attempt, a.outcome from plumb.delivery_attempts a
			 join plumb.deliveries d on d.id = a.delivery_id order by d.idempotency_key, a.attempt`,
		);

	it("claims due rows per destination within each limit and the total, oldest due first; the rest stay as they were", async () => {
		const event = await insertEvent(testDb.db, {
			type: "support_requested",
			source: "app",
			externalId: "req_1",
			occurredAt: new Date(),
			correlationId: "corr-1",
			data: {},
			payload: {},
		});
		await seed({ key: "z-old", dueInMs: -3_000, eventId: event.id });
		await seed({ key: "z-new", dueInMs: -1_000 });
		await seed({ key: "z-later", dueInMs: 60_000 });
		await seed({ key: "s-1", destination: "slack", action: "notify" });
		await seed({
			key: "s-2",
			destination: "slack",
			action: "notify",
			status: "retry_pending",
			attempts: 1,
		});
		await seed({ key: "h-1", destination: "hubspot", action: "crm_sync" });
		await seed({ key: "z-done", status: "succeeded", attempts: 1 });
		const before = await states();

		const claimed = await claimDeliveries(
			testDb.db,
			[
				{ destination: "zendesk", limit: 5 },
				{ destination: "slack", limit: 1 },
				{ destination: "hubspot", limit: 5 },
			],
			30_000,
			3,
		);
		expect(claimed.map((c) => c.idempotency_key).sort()).toEqual([
			"s-1",
			"z-new",
			"z-old",
		]);
		expect(claimed[0]).toMatchObject({
			idempotency_key: "z-old",
			attempts: 1,
			correlation_id: "corr-1",
		});
		const after = await states();
		for (const key of ["z-old", "z-new", "s-1"])
			expect(after[key]).toMatchObject({
				status: "running",
				attempts: (before[key]?.attempts ?? 0) + 1,
				leased: true,
			});
		for (const key of ["z-later", "s-2", "h-1", "z-done"])
			expect(after[key]).toEqual(before[key]);
	});

	it("says null when no delivery of these destinations waits", async () => {
		await seed({ key: "z-done", status: "succeeded", attempts: 1 });
		expect(await nextDueInMs(testDb.db, ["zendesk"])).toBeNull();
	});

	it("says when the next delivery of some destinations is due", async () => {
		await seed({ key: "z-later", dueInMs: 60_000 });
		await seed({ key: "s-now", destination: "slack", action: "notify" });
		await seed({ key: "z-running", status: "running", leaseInMs: 1_000 });
		const later = await nextDueInMs(testDb.db, ["zendesk"]);
		expect(later).toBeGreaterThan(50_000);
		expect(later).toBeLessThanOrEqual(60_000);
		expect(await nextDueInMs(testDb.db, ["zendesk", "slack"])).toBe(0);
		expect(await nextDueInMs(testDb.db, [])).toBeNull();
	});

	it("takes back expired leases only: retry, dead past the horizon, skipped behind a waiting CRM sync", async () => {
		const owner = await customer();
		const waiting = await seed({
			key: "crm-waiting",
			destination: "hubspot",
			action: "crm_sync",
			customerId: owner,
		});
		await seed({
			key: "crm-expired",
			destination: "hubspot",
			action: "crm_sync",
			customerId: owner,
			status: "running",
			attempts: 1,
			leaseInMs: -1_000,
		});
		await seed({
			key: "retry",
			status: "running",
			attempts: 2,
			leaseInMs: -1_000,
		});
		await seed({
			key: "spent",
			status: "running",
			attempts: 4,
			leaseInMs: -1_000,
			budgetAgeMs: 120_000,
		});
		await seed({
			key: "alive",
			status: "running",
			attempts: 1,
			leaseInMs: 60_000,
		});
		const before = await states();

		const recovered = await testDb.db.transaction((tx) =>
			recoverExpiredLeases(tx, 60_000, 10),
		);
		expect(recovered.map((r) => r.status).sort()).toEqual([
			"dead",
			"retry_pending",
			"skipped",
		]);
		const after = await states();
		expect(after["crm-expired"]).toMatchObject({
			status: "skipped",
			attempts: 1,
			leased: false,
			last_error: `superseded by ${waiting}`,
		});
		expect(after.retry).toMatchObject({
			status: "retry_pending",
			attempts: 2,
			leased: false,
		});
		expect(after.retry?.last_error).toMatch(/^lease expired/);
		expect(after.spent).toMatchObject({ status: "dead", leased: false });
		expect(after.alive).toEqual(before.alive);
		expect(after["crm-waiting"]).toEqual(before["crm-waiting"]);
		expect(await attempts()).toEqual([
			{ key: "crm-expired", attempt: 1, outcome: "fenced" },
			{ key: "retry", attempt: 2, outcome: "fenced" },
			{ key: "spent", attempt: 4, outcome: "fenced" },
		]);
		expect(
			await testDb.db.transaction((tx) => recoverExpiredLeases(tx, 60_000, 10)),
		).toEqual([]);
	});

	it("settles under the claim's token: a retry is due after its delay, a success after a replay resolves the dead-letter alert", async () => {
		const retried = await seed({ key: "retry" });
		const replayed = await seed({ key: "replayed", budgetAttempts: 3 });
		const other = await seed({ key: "other" });
		await testDb.db.query(
			`insert into plumb.alerts (kind, dedupe_key, severity, title, delivery_id)
			 values ('dead_letter', 'dead:' || $1::text, 'warning', 'dead', $1::uuid),
			        ('dead_letter', 'dead:' || $2::text, 'warning', 'dead', $2::uuid)`,
			[replayed, other],
		);
		const claimed = await claimDeliveries(
			testDb.db,
			[{ destination: "zendesk", limit: 10 }],
			30_000,
		);
		const token = (id: string) =>
			claimed.find((c) => c.id === id)?.attempts ?? -1;
		const base = {
			error: null,
			httpStatus: 200,
			externalRef: null,
			permanent: false,
			startedAt: new Date(),
			latencyMs: 5,
		};
		const rows: SettleRow[] = [
			{
				...base,
				id: retried,
				token: token(retried),
				status: "retry_pending",
				delayMs: 30_000,
				error: "503",
				httpStatus: 503,
				outcome: "retry",
			},
			{
				...base,
				id: replayed,
				token: token(replayed),
				status: "succeeded",
				delayMs: null,
				externalRef: "ticket_9",
				outcome: "succeeded",
			},
		];
		const settled = await settleDeliveries(testDb.db, rows);
		expect(settled.map((s) => [s.id, s.status]).sort()).toEqual(
			[
				[retried, "retry_pending"],
				[replayed, "succeeded"],
			].sort(),
		);
		const after = await states();
		expect(after.retry).toMatchObject({
			status: "retry_pending",
			leased: false,
			last_error: "503",
		});
		expect(after.replayed).toMatchObject({
			status: "succeeded",
			external_ref: "ticket_9",
		});
		expect(after.other).toMatchObject({ status: "running", leased: true });
		const due = await nextDueInMs(testDb.db, ["zendesk"]);
		expect(due).toBeGreaterThan(20_000);
		const alerts = await testDb.db.query<{
			delivery_id: string;
			status: string;
		}>(
			"select delivery_id::text, status from plumb.alerts order by delivery_id",
		);
		expect(
			Object.fromEntries(alerts.map((a) => [a.delivery_id, a.status])),
		).toEqual({
			[replayed]: "resolved",
			[other]: "open",
		});
		expect(await attempts()).toEqual([
			{ key: "replayed", attempt: 1, outcome: "succeeded" },
			{ key: "retry", attempt: 1, outcome: "retry" },
		]);
	});
});
