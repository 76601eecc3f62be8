import { describe, expect, it } from "vitest";
import { waitFor } from "../../../test/support/child.ts";
import { type Backend, backends } from "../../../test/support/db.ts";
import {
	deliveryStates,
	queueFixture,
	seedOne,
	startTestWorker,
	statusCounts,
	testSettings,
	testSettler,
} from "../../../test/support/delivery-worker.ts";
import { standInConnector } from "../../../test/support/stand-in.ts";
import {
	type ClaimedDelivery,
	claimDeliveries,
	type Db,
	recoverExpiredLeases,
} from "../../store/index.ts";

async function customer(db: Db, email: string): Promise<string> {
	const [row] = await db.query<{ id: string }>(
		"insert into plumb.customers (email, plan, tier) values ($1, 'starter', 'standard') returning id",
		[email],
	);
	return row?.id as string;
}

const sync = (db: Db, customerId: string, n: number) =>
	seedOne(db, {
		destination: "hubspot",
		action: "crm_sync",
		key: `hubspot:crm_sync:${customerId}:${n}`,
		customerId,
	});

describe.each(backends)("CRM syncs on %s", (backend: Backend) => {
	const t = queueFixture(backend);
	/** A rate limit keeps the worker from claiming a second round ahead (only unlimited ones do). */
	const start = async (concurrency = 4) => {
		const settings = testSettings({ timeoutMs: 10_000, leaseMs: 20_000 });
		t.worker = await startTestWorker(t.testDb, {
			connectors: { hubspot: standInConnector("hubspot", t.standIn.url) },
			settings: {
				...settings,
				limits: {
					...settings.limits,
					hubspot: { concurrency, ratePerSecond: 1_000 },
				},
			},
		});
	};

	it("sends the customer as they are when the sync runs, not when it was queued", async () => {
		const c = await customer(t.testDb.db, "ada@example.com");
		await sync(t.testDb.db, c, 1);
		await t.testDb.db.query(
			"update plumb.customers set plan = 'pro-monthly', tier = 'pro' where id = $1",
			[c],
		);
		await start(1); // one call at a time: the second sync waits while the first is in flight
		await waitFor(
			async () => (await statusCounts(t.testDb.db)).succeeded === 1,
		);
		const sent = JSON.parse(t.standIn.requests[0]?.body ?? "{}") as {
			customer: Record<string, unknown>;
		};
		expect(sent.customer).toMatchObject({
			id: c,
			email: "ada@example.com",
			plan: "pro-monthly",
			tier: "pro",
			url: `http://plumb.test/admin/customers/${c}`,
		});
	});

	it("a failing sync that would wait beside a newer one is skipped as superseded; the newer one pushes the truth", async () => {
		const c = await customer(t.testDb.db, "bob@example.com");
		const first = await sync(t.testDb.db, c, 1);
		let second: Promise<string> | undefined;
		t.standIn.setFault((request) => {
			if (request.deliveryId !== first) return { kind: "ok" };
			// While the first is in flight, a new event queues a second sync for the same customer.
			second ??= sync(t.testDb.db, c, 2);
			return { kind: "status", status: 503, delayMs: 300 };
		});
		await start(1); // one call at a time: the second sync waits while the first is in flight
		await waitFor(
			async () => (await statusCounts(t.testDb.db)).succeeded === 1,
		);
		const secondId = await second;
		const states = await deliveryStates(t.testDb.db);
		expect(states.find((d) => d.id === first)).toMatchObject({
			status: "skipped",
			last_error: `superseded by ${secondId}`,
		});
		expect(states.find((d) => d.id === secondId)?.status).toBe("succeeded");
		expect(
			t.worker?.logs().filter((l) => l.level === "warn" || l.level === "error"),
		).toEqual([]);
	});

	it("a customer's newer sync waits while the older is in flight; the older failing gives way to it, with no unique violation", async () => {
		const c = await customer(t.testDb.db, "cy@example.com");
		const claim = () =>
			claimDeliveries(
				t.testDb.db,
				[{ destination: "hubspot", limit: 2 }],
				60_000,
			);
		await sync(t.testDb.db, c, 1);
		const claimed = await claim();
		const newerId = await sync(t.testDb.db, c, 2); // queued while the first runs: not claimed beside it
		expect(await claim()).toEqual([]);
		expect(claimed).toHaveLength(1);
		const { settler, lines } = testSettler(t.testDb.db);
		await Promise.all(
			claimed.map((delivery) =>
				settler.submit({
					delivery,
					outcome: undefined,
					row: {
						id: delivery.id,
						token: delivery.attempts,
						status: "retry_pending",
						delayMs: 60_000,
						error: "server error 503",
						httpStatus: 503,
						externalRef: null,
						outcome: "retry",
						permanent: false,
						startedAt: new Date(),
						latencyMs: 3,
					},
				}),
			),
		);
		const [older] = claimed as [ClaimedDelivery];
		const states = new Map(
			(await deliveryStates(t.testDb.db)).map((d) => [d.id, d]),
		);
		expect(states.get(newerId)?.status).toBe("pending");
		expect(states.get(older.id)).toMatchObject({
			status: "skipped",
			last_error: `superseded by ${newerId}`,
		});
		// With the older one settled, the newer goes out.
		expect((await claim()).map((d) => d.id)).toEqual([newerId]);
		expect(
			lines.filter(
				(line) =>
					line.includes('"level":"error"') || line.includes('"level":"warn"'),
			),
		).toEqual([]);
	});

	it("lease recovery: a sync whose worker died is superseded by a newer one waiting (never claimed beside it)", async () => {
		const a = await customer(t.testDb.db, "dee@example.com");
		const b = await customer(t.testDb.db, "eve@example.com");
		const claimAll = () =>
			claimDeliveries(t.testDb.db, [{ destination: "hubspot", limit: 10 }], 50);
		const stale = await sync(t.testDb.db, a, 1);
		const b1 = await sync(t.testDb.db, b, 1);
		expect(await claimAll()).toHaveLength(2);
		const b2 = await sync(t.testDb.db, b, 2);
		// b1 is in flight, so b2 waits (sent side by side, the older snapshot could land last).
		expect(await claimAll()).toEqual([]);
		const waiting = await sync(t.testDb.db, a, 2); // queued after the claims: it waits
		await new Promise((resolve) => setTimeout(resolve, 120));
		const recovered = await t.testDb.db.transaction((tx) =>
			recoverExpiredLeases(tx, 60_000, 100),
		);
		expect(recovered).toHaveLength(2);
		const states = new Map(
			(await deliveryStates(t.testDb.db)).map((d) => [d.id, d]),
		);
		// Customer a: the expired sync gives way to the one already waiting.
		expect(states.get(stale)).toMatchObject({
			status: "skipped",
			last_error: `superseded by ${waiting}`,
		});
		expect(states.get(waiting)?.status).toBe("pending");
		// Customer b likewise: the expired sync gives way to the newer one, which waited.
		expect(states.get(b1)).toMatchObject({
			status: "skipped",
			last_error: `superseded by ${b2}`,
		});
		expect(states.get(b2)?.status).toBe("pending");
		const fenced = await t.testDb.db.query<{ n: number }>(
			"select count(*)::int as n from plumb.delivery_attempts where outcome = 'fenced'",
		);
		expect(fenced[0]?.n).toBe(2);
	});
});
