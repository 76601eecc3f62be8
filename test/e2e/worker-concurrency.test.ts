import { afterEach, describe, expect, it } from "vitest";
import { normalizeStripeEvent } from "../../src/ingest/index.ts";
import { createLogger } from "../../src/observability/index.ts";
import {
	EVENT_WORKER_DEFAULTS,
	processBatch,
	startEventWorker,
} from "../../src/queue/index.ts";
import {
	type Db,
	insertEvent,
	openPg,
	pollingWakeup,
} from "../../src/store/index.ts";
import { captureLogs } from "../support/app.ts";
import { waitFor } from "../support/child.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { count, objects, stripeEvent, T0 } from "../support/state.ts";
import { drainEvents, eventWorkerDeps } from "../support/worker.ts";

/** Twenty Stripe events for each of `customers` customers, all contending on the same rows. */
async function seed(db: Db, customers: number): Promise<number> {
	let stored = 0;
	for (let c = 1; c <= customers; c++) {
		const customer = {
			customer: `cus_${c}`,
			customer_email: `c${c}@example.com`,
			parent: { subscription_details: { subscription: `sub_${c}` } },
		};
		const sub = {
			...objects.subscription("active"),
			id: `sub_${c}`,
			customer: `cus_${c}`,
		};
		const envelopes = [
			stripeEvent(
				"customer.subscription.created",
				{ ...sub, status: "incomplete" },
				0,
			),
			...[1, 2, 3, 4].map((n) =>
				stripeEvent(
					"customer.subscription.updated",
					{ ...sub, status: n % 2 ? "active" : "past_due" },
					n,
				),
			),
			...[1, 2, 3, 4, 5].map((n) =>
				stripeEvent(
					"invoice.paid",
					{ ...objects.invoicePaid(c * 100 + n), ...customer },
					10 + n,
				),
			),
			...[1, 2, 3, 4, 5].map((n) =>
				stripeEvent(
					"payment_intent.succeeded",
					{
						id: `pi_${c * 100 + n}`,
						object: "payment_intent",
						customer: `cus_${c}`,
						amount_received: 2000,
						currency: "usd",
						latest_charge: `ch_${c * 100 + n}`,
					},
					10 + n,
				),
			),
			...[1, 2, 3].map((n) =>
				stripeEvent(
					"invoice.payment_failed",
					{ ...objects.invoiceFailed(c * 100 + 50, n), ...customer },
					n * 86_400,
				),
			),
			stripeEvent(
				"charge.refunded",
				{
					id: `ch_${c * 100 + 1}`,
					object: "charge",
					customer: `cus_${c}`,
					payment_intent: `pi_${c * 100 + 1}`,
					amount: 2000,
					amount_refunded: 2000,
					refunded: true,
					currency: "usd",
				},
				30,
			),
			stripeEvent(
				"customer.subscription.deleted",
				{ ...sub, status: "canceled" },
				40,
			),
		];
		for (const envelope of envelopes) {
			const normalized = normalizeStripeEvent(envelope);
			await insertEvent(db, {
				type: normalized.type,
				source: "stripe",
				externalId: envelope.id,
				occurredAt: normalized.occurredAt,
				correlationId: envelope.id,
				data: normalized.data,
				payload: envelope,
			});
			stored += 1;
		}
	}
	return stored;
}

describe.runIf(backends.includes("pg"))(
	"two workers racing on the real PostgreSQL",
	() => {
		let t: TestDb;
		afterEach(async () => {
			await t.dispose();
		});

		it("apply each of 1,000 events exactly once, with conflicts retried, never surfaced", async () => {
			t = await freshDb("pg");
			expect(await seed(t.db, 50)).toBe(1_000);
			const logs = captureLogs();
			const logger = createLogger({
				level: "debug",
				secretValues: [],
				destination: logs.stream,
			});
			const pools = [
				openPg({ connectionString: t.url ?? "", max: 4 }),
				openPg({ connectionString: t.url ?? "", max: 4 }),
			];
			const workers = pools.map((db) =>
				startEventWorker(
					{
						...eventWorkerDeps(db),
						logger,
						wakeup: pollingWakeup(10),
						plans: {},
						publicUrl: "http://plumb.test",
					},
					{ batchSize: 20, concurrency: 2 },
				),
			);
			try {
				await waitFor(
					async () =>
						(await count(
							t.db,
							"select * from plumb.events where status = 'pending'",
						)) === 0,
					60_000,
				);
			} finally {
				await Promise.all(workers.map((worker) => worker.stop()));
				await Promise.all(pools.map((pool) => pool.close()));
			}
			expect(
				await count(
					t.db,
					"select * from plumb.events where status = 'processed' and attempts = 1",
				),
			).toBe(1_000);
			expect(
				await count(t.db, "select distinct event_id from plumb.timeline"),
			).toBe(1_000);
			expect(await count(t.db, "select * from plumb.timeline")).toBe(1_000);
			expect(await count(t.db, "select * from plumb.customers")).toBe(50);
			expect(await count(t.db, "select * from plumb.payments")).toBe(50 * 6);
			expect(
				await count(
					t.db,
					"select * from plumb.customers where plan_status = 'canceled'",
				),
			).toBe(50);
			expect(
				await count(
					t.db,
					"select * from plumb.tickets where category = 'billing_issue'",
				),
			).toBe(50);
			const lines = logs.lines.map(
				(line) => JSON.parse(line) as { outcome?: string; level: string },
			);
			expect(lines.filter((line) => line.level === "error")).toEqual([]);
			expect(lines.filter((line) => line.outcome === "processed")).toHaveLength(
				1_000,
			);
		});
	},
);

describe.each(backends)("a failing rule on %s", (backend: Backend) => {
	let t: TestDb;
	afterEach(async () => {
		await t.dispose();
	});

	it("rolls back everything its event wrote, leaves the rest of the batch applied, and is retried", async () => {
		t = await freshDb(backend);
		await seed(t.db, 2);
		// The victim is the only event about its customer, so nothing else in the batch writes what it writes.
		const normalized = normalizeStripeEvent(
			stripeEvent(
				"customer.subscription.created",
				{ ...objects.subscription("active"), id: "sub_9", customer: "cus_9" },
				0,
			),
		);
		const victim = await insertEvent(t.db, {
			type: normalized.type,
			source: "stripe",
			externalId: "evt_victim",
			occurredAt: normalized.occurredAt,
			correlationId: "c",
			data: normalized.data,
			payload: {},
		});
		// Fails after the customer and subscription rows are written, at the timeline insert.
		await t.db.exec(`
			create function plumb.fail_once() returns trigger language plpgsql as $$
			begin raise exception 'injected failure'; end $$;
			create trigger fail_victim before insert on plumb.timeline for each row
			when (new.event_id = '${victim?.id}') execute function plumb.fail_once();`);
		const { stream } = captureLogs();
		const deps = {
			...eventWorkerDeps(t.db),
			logger: createLogger({
				level: "silent",
				secretValues: [],
				destination: stream,
			}),
			wakeup: pollingWakeup(),
			plans: {},
			publicUrl: "http://plumb.test",
		};
		await processBatch(deps, { ...EVENT_WORKER_DEFAULTS, batchSize: 41 });
		const [state] = await t.db.query<{
			status: string;
			attempts: number;
			last_error: string;
		}>("select status, attempts, last_error from plumb.events where id = $1", [
			victim?.id,
		]);
		expect(state).toEqual({
			status: "pending",
			attempts: 1,
			last_error: expect.stringContaining("injected failure"),
		});
		expect(
			await count(
				t.db,
				"select * from plumb.customer_identities where value = 'cus_9'",
			),
		).toBe(0);
		expect(await count(t.db, "select * from plumb.customers")).toBe(2);
		expect(
			await count(
				t.db,
				"select * from plumb.subscriptions where provider_ref = 'sub_9'",
			),
		).toBe(0);
		expect(
			await count(
				t.db,
				"select * from plumb.events where status = 'processed'",
			),
		).toBe(40);

		await t.db.exec("drop trigger fail_victim on plumb.timeline");
		await drainEvents(t.db);
		expect(
			await count(
				t.db,
				"select * from plumb.events where status = 'processed'",
			),
		).toBe(41);
		expect(await count(t.db, "select * from plumb.customers")).toBe(3);
	});

	it("parks an event that keeps failing as failed after the last attempt", async () => {
		t = await freshDb(backend);
		await t.db.query(
			"insert into plumb.events (id, type, source, external_id, occurred_at, correlation_id, data, payload) values (plumb.uuid_generate_v7(), 'signup', 'app', 'bad-1', $1, 'c', $2::jsonb, '{}')",
			[new Date(T0 * 1000), JSON.stringify({ customer: { email: 42 } })],
		);
		for (
			let attempt = 0;
			attempt < EVENT_WORKER_DEFAULTS.maxAttempts + 2;
			attempt++
		)
			await drainEvents(t.db);
		const [event] = await t.db.query<{ status: string; attempts: number }>(
			"select status, attempts from plumb.events",
		);
		expect(event).toEqual({
			status: "failed",
			attempts: EVENT_WORKER_DEFAULTS.maxAttempts,
		});
	});
});
