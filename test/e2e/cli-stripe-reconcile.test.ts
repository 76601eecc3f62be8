/**
 * `plumb reconcile`, the worker's scheduled reconcile and `plumb backfill` as real child processes against the Stripe
 * API stand-in: on PostgreSQL (DATABASE_URL) and on the embedded database (PLUMB_DATA_DIR).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../../src/store/index.ts";
import { runPlumb, runPlumbToEnd, waitFor } from "../support/child.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { stripeAccount } from "../support/stripe-api/account.ts";
import { copiesOf, stripeEventSample } from "../support/stripe-api/fixtures.ts";
import {
	type StripeApiStandIn,
	startStripeApi,
} from "../support/stripe-api/server.ts";

const SECRET = "sk_test_cli_reconcile_a93f1c";
const NO_EVENTS = "rk_test_cli_reconcile_b27d4e";
const DAY = 86_400;

describe.each(backends)(
	"plumb reconcile and backfill on %s",
	(backend: Backend) => {
		let stripe: StripeApiStandIn;
		let dataDir: string;
		let testDb: TestDb | undefined;
		const nowS = Math.floor(Date.now() / 1000);

		beforeEach(async () => {
			dataDir = mkdtempSync(join(tmpdir(), "plumb-reconcile-"));
			testDb = backend === "pg" ? await freshDb("pg") : undefined;
			stripe = await startStripeApi({
				[SECRET]: "all",
				[NO_EVENTS]: ["customer_read", "webhook_read"],
			});
			stripe.seed(
				"events",
				copiesOf(stripeEventSample("invoice.paid"), 150, {
					tag: "cli",
					firstCreated: nowS - DAY,
					stepSeconds: 30,
				}),
			);
		});
		afterEach(async () => {
			await stripe.close();
			await testDb?.dispose();
			testDb = undefined;
			rmSync(dataDir, { recursive: true, force: true });
		});

		const env = (extra: Record<string, string> = {}) => ({
			STRIPE_API_KEY: SECRET,
			STRIPE_API_BASE: stripe.url,
			PLUMB_DATA_DIR: dataDir,
			...(testDb?.url ? { DATABASE_URL: testDb.url } : {}),
			LOG_LEVEL: "warn",
			...extra,
		});
		const run = (args: string[], extra: Record<string, string> = {}) =>
			runPlumbToEnd(args, env(extra));
		async function storedCount(
			where = "source = 'stripe'",
			table = "events",
		): Promise<number> {
			const db = await openDb({ url: testDb?.url, dataDir });
			try {
				const [row] = await db.query<{ n: number }>(
					`select count(*)::int as n from plumb.${table} where ${where}`,
				);
				return row?.n ?? 0;
			} finally {
				await db.close();
			}
		}

		it("fetches, stores once and summarises; a second run finds them known; bad --since and a key without Events: Read change nothing", async () => {
			// No `plumb migrate` first: a one-shot command on a data directory nobody started migrates it.
			const badSince = await run(["reconcile", "--since", "yesterday"]);
			expect(badSince.code).toBe(2);
			expect(badSince.out).toContain("--since must be a duration");

			const refused = await run(["reconcile"], { STRIPE_API_KEY: NO_EVENTS });
			expect(refused.code).toBe(1);
			expect(refused.out).toContain('"Events: Read"');
			expect(refused.out).not.toContain(NO_EVENTS.slice(-6));
			expect(await storedCount()).toBe(0);

			const first = await run(["reconcile"]);
			expect(first.code, first.out).toBe(0);
			expect(first.out).toContain(
				"Reconciled with Stripe: fetched 150 events (0 undelivered), 150 new, 0 already known",
			);
			// Not a terminal: a plain progress line per 100 events instead of a bar redrawn in place.
			expect(first.out).toMatch(/^\[#*\.*\] 100 events fetched$/m);
			expect(first.out.match(/ 100 events fetched$/gm)).toHaveLength(1);
			expect(first.out).not.toContain("\r");
			expect(await storedCount()).toBe(150);

			const again = await run(["reconcile", "--since", "2d"]);
			expect(again.code).toBe(0);
			expect(again.out).toContain(
				"fetched 150 events (0 undelivered), 0 new, 150 already known",
			);
			expect(await storedCount()).toBe(150);
		});

		it("the worker reconciles on its schedule, and not at all without STRIPE_API_KEY", async () => {
			const listsOfEvents = () =>
				stripe.requests.filter((r) => r.path === "/v1/events").length;
			const idle = runPlumb(["worker"], env({ STRIPE_API_KEY: "" }));
			await new Promise((resolve) => setTimeout(resolve, 3_000));
			idle.process.kill("SIGTERM");
			expect(await idle.exited).toBe(0);
			expect(listsOfEvents()).toBe(0);

			const worker = runPlumb(
				["worker"],
				env({ PLUMB_STRIPE_RECONCILE_EVERY: "1s" }),
			);
			try {
				// First run: undelivered list, then two pages of the recent list.
				await waitFor(() => listsOfEvents() >= 3, 20_000);
				stripe.seed(
					"events",
					copiesOf(stripeEventSample("invoice.paid"), 3, {
						tag: "late",
						firstCreated: nowS,
					}),
				);
				// A later scheduled run picks them up.
				await waitFor(() => listsOfEvents() >= 7, 20_000);
			} finally {
				worker.process.kill("SIGTERM");
			}
			expect(await worker.exited, worker.output()).toBe(0);
			expect(await storedCount()).toBe(153);
		});

		it("plumb backfill refuses a bad --since and a missing key with exit 2, backfills once, and a second run changes nothing", async () => {
			const account = stripeAccount({
				customers: 12,
				invoicesEach: 2,
				firstCreated: nowS - 90 * DAY,
				canceledEvery: 4,
			});
			stripe.seed("customers", account.customers);
			stripe.seed("subscriptions", account.subscriptions);
			stripe.seed("invoices", account.invoices);
			// No `plumb migrate` first: a one-shot command on a data directory nobody started migrates it.
			const badSince = await run(["backfill", "--since", "last spring"]);
			expect(badSince.code).toBe(2);
			expect(badSince.out).toContain("--since must be a duration");
			expect(badSince.out).toContain("Usage: plumb backfill");
			const noKey = await run(["backfill"], { STRIPE_API_KEY: "" });
			expect(noKey.code).toBe(2);
			expect(noKey.out).toContain("STRIPE_API_KEY is not set");

			const first = await run(["backfill"]);
			expect(first.code, first.out).toBe(0);
			expect(first.out).toContain(
				"Backfilled from Stripe: 12 customers, 12 subscriptions, 24 paid invoices; 48 new, 0 already known; 12 customers queued for one CRM sync each; 6 Stripe requests.",
			);

			const again = await run(["backfill", "--since", "2020-01-01"]);
			expect(again.code).toBe(0);
			expect(again.out).toContain(
				"12 customers, 12 subscriptions, 24 paid invoices created since 2020-01-01T00:00:00.000Z; 0 new, 48 already known; 0 customers queued",
			);
			expect(await storedCount()).toBe(48);
			expect(await storedCount("action = 'crm_sync'", "deliveries")).toBe(12);
			// Child processes on the embedded database start slowly on a busy machine.
		}, 120_000);
	},
);
