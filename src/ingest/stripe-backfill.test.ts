import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.ts";
import { type Backend, backends, useFreshDb } from "../../test/support/db.ts";
import { stripeRequest } from "../../test/support/stripe.ts";
import {
	type StripeAccountData,
	stripeAccount,
} from "../../test/support/stripe-api/account.ts";
import { standInClient } from "../../test/support/stripe-api/client.ts";
import { eventAround } from "../../test/support/stripe-api/fixtures.ts";
import {
	type StripeApiStandIn,
	startStripeApi,
} from "../../test/support/stripe-api/server.ts";
import { drainEvents, eventWorkerDeps } from "../../test/support/worker.ts";
import { createLogger, createMetrics } from "../observability/index.ts";
import { EVENT_WORKER_DEFAULTS, processBatch } from "../queue/index.ts";
import { StripeApiError } from "../stripe/index.ts";
import { backfillStripe, type StripeBackfillDeps } from "./stripe-backfill.ts";

const SECRET = "sk_test_backfill_7c1e04b2a9";
const NO_INVOICES = "rk_test_backfill_noinvoices_5d2c";
const CUSTOMERS = 20;
const DAY = 86_400;

describe.each(backends)(
	"plumb backfill from Stripe's lists on %s",
	(backend: Backend) => {
		const testDb = useFreshDb(backend);
		let stripe: StripeApiStandIn;
		let account: StripeAccountData;
		const waits: number[] = [];
		const firstCreated = Math.floor(Date.now() / 1000) - 400 * DAY;

		beforeEach(async () => {
			waits.length = 0;
			stripe = await startStripeApi({
				[SECRET]: "all",
				[NO_INVOICES]: ["customer_read", "subscription_read"],
			});
			// 20 customers, each with a subscription (every 5th canceled) and 2 paid invoices.
			account = stripeAccount({
				customers: CUSTOMERS,
				invoicesEach: 2,
				firstCreated,
				canceledEvery: 5,
			});
			stripe.seed("customers", account.customers);
			stripe.seed("subscriptions", account.subscriptions);
			stripe.seed("invoices", account.invoices);
		});
		afterEach(async () => {
			await stripe.close();
		});

		const run = (
			options: Parameters<typeof backfillStripe>[1] = {},
			key = SECRET,
			beside: Partial<StripeBackfillDeps> = {},
		) => {
			const worker = eventWorkerDeps(testDb.db);
			return backfillStripe(
				{
					db: testDb.db,
					metrics: createMetrics(),
					logger: createLogger({ level: "silent", secretValues: [] }),
					api: standInClient(stripe.url, key, waits),
					now: Date.now,
					applyEvents: () => processBatch(worker, EVENT_WORKER_DEFAULTS),
					...beside,
				},
				{ pageSize: 10, ...options },
			);
		};
		const count = async (sql: string) =>
			(await testDb.db.query<{ n: number }>(sql))[0]?.n;
		const deliveries = async () =>
			(
				await testDb.db.query<{ kind: string; n: number }>(
					`select destination || ':' || action as kind, count(*)::int as n
					 from plumb.deliveries group by 1 order by 1`,
				)
			).map((row) => `${row.kind}=${row.n}`);
		const stateRows = () =>
			testDb.db.query(
				`select c.email, c.plan_status, c.lifecycle_stage, c.last_payment_status,
				   (select count(*)::int from plumb.payments p where p.customer_id = c.id) as payments,
				   (select string_agg(s.status, ',') from plumb.subscriptions s where s.customer_id = c.id) as subs
				 from plumb.customers c order by c.email`,
			);

		it("makes customers, subscriptions and payments state, with one CRM sync per customer and no ticket, alert or notification", async () => {
			const result = await run();
			if (!result.ran) throw new Error("busy");
			expect(result.summary).toMatchObject({
				listed: { customers: 20, subscriptions: 20, invoices: 40 },
				stored: 80,
				alreadyKnown: 0,
				refused: 0,
				resumed: false,
				crmSyncs: 20,
				failedEvents: 0,
			});
			expect(result.summary.correlationId).toMatch(/^backfill-/);
			// One item of each list first (the key can read all three), then 2 pages of 10 for 20 objects
			// and 4 for the 40 invoices.
			expect(result.summary.requests).toBe(11);
			expect(
				await count(
					"select count(*)::int as n from plumb.events where status = 'processed' and data -> 'provider' ->> 'historical' = 'true'",
				),
			).toBe(80);
			expect(
				await count("select count(*)::int as n from plumb.customers"),
			).toBe(CUSTOMERS);
			expect(await count("select count(*)::int as n from plumb.payments")).toBe(
				40,
			);
			const rows = (await stateRows()) as Array<Record<string, unknown>>;
			expect(rows).toHaveLength(CUSTOMERS);
			// customer0, 5, 10, 15 left: the snapshot of their canceled subscription is newer than any
			// of their old paid invoices, so the invoices do not make them active again.
			for (const row of rows) {
				const n = Number(String(row.email).match(/\d+/)?.[0]);
				const left = n % 5 === 0;
				expect(row).toMatchObject({
					plan_status: left ? "canceled" : "active",
					subs: left ? "canceled" : "active",
					payments: 2,
					last_payment_status: "paid",
				});
			}
			expect(await deliveries()).toEqual([`hubspot:crm_sync=${CUSTOMERS}`]);
			expect(await count("select count(*)::int as n from plumb.alerts")).toBe(
				0,
			);
			expect(await count("select count(*)::int as n from plumb.tickets")).toBe(
				0,
			);
			// Each customer's one sync waits, due now.
			expect(
				await count(
					"select count(distinct customer_id)::int as n from plumb.deliveries where status = 'pending'",
				),
			).toBe(CUSTOMERS);
		});

		it("a second run changes nothing: every object already known, no second CRM sync", async () => {
			await run();
			const before = await stateRows();
			const again = await run();
			if (!again.ran) throw new Error("busy");
			expect(again.summary).toMatchObject({
				stored: 0,
				alreadyKnown: 80,
				crmSyncs: 0,
				resumed: false,
			});
			expect(await stateRows()).toEqual(before);
			expect(await deliveries()).toEqual([`hubspot:crm_sync=${CUSTOMERS}`]);
			expect(await count("select count(*)::int as n from plumb.events")).toBe(
				80,
			);
		});

		it("resumes after a stop midway from its checkpoint: no list read again from the start, one sync per customer", async () => {
			const stop = new AbortController();
			const stopped = await run({
				signal: stop.signal,
				onProgress: (p) => {
					if (p.phase === "subscriptions" && p.count === 10) stop.abort();
				},
			}).catch((error: unknown) => error);
			expect((stopped as Error).name).toBe("AbortError");
			expect(await count("select count(*)::int as n from plumb.events")).toBe(
				30,
			);
			// Nothing applied or synced yet: that happens once, at the end.
			expect(await deliveries()).toEqual([]);
			const asked = stripe.requests.length;
			const resumed = await run();
			if (!resumed.ran) throw new Error("busy");
			// The last subscription stored before the stop is read again (its second is where the
			// resumed run starts) and found already known.
			expect(resumed.summary).toMatchObject({
				resumed: true,
				listed: { customers: 20, subscriptions: 21, invoices: 40 },
				stored: 80,
				alreadyKnown: 1,
				crmSyncs: CUSTOMERS,
			});
			// The pages (10 a page) after the resumed run's look at each list (1 item).
			const after = stripe.requests
				.slice(asked)
				.filter((r) => r.query.get("limit") === "10");
			expect(after.some((r) => r.path === "/v1/customers")).toBe(false);
			expect(after[0]?.path).toBe("/v1/subscriptions");
			// From the created time of the last subscription stored (newest first: the 11th of 20).
			expect(after[0]?.query.get("created[lte]")).toBe(
				String(account.subscriptions[CUSTOMERS - 10]?.created),
			);
			expect(after[0]?.query.has("starting_after")).toBe(false);
			expect(await deliveries()).toEqual([`hubspot:crm_sync=${CUSTOMERS}`]);
		});

		it("waits out Stripe's 429s as Retry-After says, and a key without Invoices: Read is refused before anything is stored", async () => {
			stripe.rateLimit({
				times: 2,
				retryAfter: "4",
				when: (req) => req.path === "/v1/invoices",
			});
			const result = await run();
			if (!result.ran) throw new Error("busy");
			expect(waits).toEqual([4_000, 4_000]);
			expect(result.summary.stored).toBe(80);
			expect(result.summary.requests).toBe(13);

			// A fresh account read with a key that may not read invoices.
			const more = stripeAccount({
				customers: 3,
				invoicesEach: 1,
				firstCreated: firstCreated + DAY,
				tag: "more",
			});
			stripe.seed("customers", more.customers);
			stripe.seed("invoices", more.invoices);
			const events = await count("select count(*)::int as n from plumb.events");
			const outcome = await run({}, NO_INVOICES);
			if (outcome.ran || outcome.reason !== "refused")
				throw new Error("not refused");
			const refused = outcome.error as StripeApiError;
			expect(refused).toBeInstanceOf(StripeApiError);
			expect(refused.kind).toBe("permission");
			expect(refused.message).toContain('"Invoices: Read"');
			expect(refused.message).not.toContain(NO_INVOICES.slice(-4));
			// Refused before anything was stored.
			expect(await count("select count(*)::int as n from plumb.events")).toBe(
				events,
			);
			const retried = await run();
			if (!retried.ran) throw new Error("busy");
			expect(retried.summary).toMatchObject({ stored: 6, crmSyncs: 3 });
		});

		it("--since reads only objects created since then", async () => {
			const sinceS = firstCreated + 15 * 60;
			const result = await run({ sinceMs: sinceS * 1000 });
			if (!result.ran) throw new Error("busy");
			// Customers 15…19 (one a minute), their subscriptions, and all their invoices (a day later).
			expect(result.summary).toMatchObject({
				listed: { customers: 5, subscriptions: 5, invoices: 25 },
				sinceS,
			});
			const pages = stripe.requests.filter(
				(r) => r.query.get("limit") === "10",
			);
			expect(pages).toHaveLength(5);
			expect(
				pages.every((r) => r.query.get("created[gte]") === String(sinceS)),
			).toBe(true);
		});

		it("when a worker beside it applies the events, it waits for them, then queues the syncs", async () => {
			let looks = 0;
			const result = await run({}, SECRET, {
				// This process gets none: the other worker holds them, and applies them while it waits.
				applyEvents: async () => 0,
				sleep: async () => {
					looks += 1;
					await drainEvents(testDb.db);
				},
			});
			if (!result.ran) throw new Error("busy");
			expect(looks).toBe(1);
			expect(result.summary.crmSyncs).toBe(CUSTOMERS);
			expect(
				await count(
					"select count(*)::int as n from plumb.events where status = 'processed'",
				),
			).toBe(80);
		});

		it("two runs at once: one does the work, the other is refused as busy", async () => {
			const [a, b] = await Promise.all([run(), run()]);
			expect([a.ran, b.ran].sort()).toEqual([false, true]);
			expect(await deliveries()).toEqual([`hubspot:crm_sync=${CUSTOMERS}`]);
		});

		it("an event Stripe sent after the lists were read wins over the snapshot; one sent before it does not", async () => {
			const { app } = testApp(testDb.db);
			const nowS = Math.floor(Date.now() / 1000);
			const send = async (n: number, status: string, created: number) => {
				const res = await app.request(
					"/webhooks/stripe",
					stripeRequest(
						JSON.stringify(
							eventAround(
								"customer.subscription.updated",
								{ ...account.subscriptions[n], status },
								{ id: `evt_bf_${n}_${status}`, created },
							),
						),
					),
				);
				expect(res.status).toBe(200);
			};
			// customer1: past_due an hour ago (the list, read now, says active: that is newer).
			await send(1, "past_due", nowS - 3600);
			// customer2: canceled a minute from now (after the list is read: that is newer).
			await send(2, "canceled", nowS + 60);
			await run();
			const status = async (n: number) =>
				(
					await testDb.db.query<{ status: string }>(
						"select status from plumb.subscriptions where provider_ref = $1",
						[account.subscriptions[n]?.id],
					)
				)[0]?.status;
			expect(await status(1)).toBe("active");
			expect(await status(2)).toBe("canceled");
			expect(await status(3)).toBe("active");
		});
	},
);
