/**
 * `plumb backfill` as a real child process against the Stripe API stand-in: on PostgreSQL
 * (DATABASE_URL) and on the embedded database (PLUMB_DATA_DIR).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../../src/store/index.ts";
import { runPlumb } from "../support/child.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { stripeAccount } from "../support/stripe-api/account.ts";
import {
	type StripeApiStandIn,
	startStripeApi,
} from "../support/stripe-api/server.ts";

const SECRET = "sk_test_cli_backfill_4e8a01";
const DAY = 86_400;

describe.each(backends)("plumb backfill on %s", (backend: Backend) => {
	let stripe: StripeApiStandIn;
	let dataDir: string;
	let testDb: TestDb | undefined;

	beforeEach(async () => {
		dataDir = mkdtempSync(join(tmpdir(), "plumb-backfill-"));
		testDb = backend === "pg" ? await freshDb("pg") : undefined;
		stripe = await startStripeApi({ [SECRET]: "all" });
		const account = stripeAccount({
			customers: 12,
			invoicesEach: 2,
			firstCreated: Math.floor(Date.now() / 1000) - 90 * DAY,
			canceledEvery: 4,
		});
		stripe.seed("customers", account.customers);
		stripe.seed("subscriptions", account.subscriptions);
		stripe.seed("invoices", account.invoices);
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
	async function run(args: string[], extra: Record<string, string> = {}) {
		const child = runPlumb(args, env(extra));
		const code = await child.exited;
		return { code, out: child.output() };
	}
	async function counts() {
		const db = await openDb({ url: testDb?.url, dataDir });
		try {
			const [row] = await db.query<{ events: number; syncs: number }>(
				`select (select count(*)::int from plumb.events) as events,
				   (select count(*)::int from plumb.deliveries where action = 'crm_sync') as syncs`,
			);
			return row;
		} finally {
			await db.close();
		}
	}

	it("refuses a bad --since and a missing key with exit 2, backfills once, and a second run changes nothing", async () => {
		expect((await run(["migrate"])).code).toBe(0);
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
			"Backfilled from Stripe: 12 customers, 12 subscriptions, 24 paid invoices; 48 new, 0 already known; 12 customers queued for one CRM sync each; 3 Stripe requests.",
		);

		const again = await run(["backfill", "--since", "2020-01-01"]);
		expect(again.code).toBe(0);
		expect(again.out).toContain(
			"12 customers, 12 subscriptions, 24 paid invoices created since 2020-01-01T00:00:00.000Z; 0 new, 48 already known; 0 customers queued",
		);
		expect(await counts()).toEqual({ events: 48, syncs: 12 });
		// Child processes on the embedded database start slowly on a busy machine.
	}, 120_000);
});
