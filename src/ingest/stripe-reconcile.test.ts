import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.ts";
import { type Backend, backends, useFreshDb } from "../../test/support/db.ts";
import { stripeRequest } from "../../test/support/stripe.ts";
import { standInClient } from "../../test/support/stripe-api/client.ts";
import {
	copiesOf,
	type StripeObject,
	stripeEventSample,
	stripeExample,
} from "../../test/support/stripe-api/fixtures.ts";
import {
	type StripeApiStandIn,
	startStripeApi,
} from "../../test/support/stripe-api/server.ts";
import { createLogger, createMetrics } from "../observability/index.ts";
import { StripeApiError } from "../stripe/index.ts";
import { reconcileStripe } from "./stripe-reconcile.ts";

const SECRET = "sk_test_reconcile_5e0c2b9d71";
const NO_EVENTS = "rk_test_reconcile_noevents_83fa";
const DAY = 86_400;

describe.each(backends)(
	"reconcile with Stripe's List Events on %s",
	(backend: Backend) => {
		const testDb = useFreshDb(backend);
		let stripe: StripeApiStandIn;
		const nowS = Math.floor(Date.now() / 1000);
		const waits: number[] = [];
		let recent: StripeObject[];
		let lostLongAgo: StripeObject[];

		beforeEach(async () => {
			waits.length = 0;
			metrics = createMetrics();
			stripe = await startStripeApi({
				[SECRET]: "all",
				[NO_EVENTS]: ["customer_read"],
			});
			// 230 events of the last two days, built from Stripe's own samples, plus 3 of a type Plumb
			// does not subscribe to; and 2 from 10 days ago whose webhooks Stripe gave up on.
			recent = [
				...copiesOf(stripeEventSample("invoice.paid"), 120, {
					tag: "inv",
					firstCreated: nowS - 2 * DAY,
					stepSeconds: 60,
				}),
				...copiesOf(stripeEventSample("customer.subscription.updated"), 110, {
					tag: "sub",
					firstCreated: nowS - 2 * DAY + 30,
					stepSeconds: 60,
				}),
			];
			lostLongAgo = copiesOf(stripeEventSample("charge.refunded"), 2, {
				tag: "old",
				firstCreated: nowS - 10 * DAY,
			});
			stripe.seed("events", [
				...recent,
				...lostLongAgo,
				...copiesOf(stripeExample("event"), 3, {
					tag: "plan",
					firstCreated: nowS - DAY,
				}),
			]);
			stripe.markUndelivered(lostLongAgo.map((e) => e.id));
		});
		afterEach(async () => {
			await stripe.close();
		});

		let metrics = createMetrics();
		const counted = async (name: string) =>
			(await metrics.registry.getSingleMetric(name)?.get())?.values
				.map((v) => `${v.labels.outcome}=${v.value}`)
				.sort();
		const run = (key = SECRET, sinceMs?: number) =>
			reconcileStripe(
				{
					db: testDb.db,
					metrics,
					logger: createLogger({ level: "silent", secretValues: [] }),
					api: standInClient(stripe.url, key, waits),
					now: Date.now,
				},
				{ sinceMs },
			);
		const storedIds = async () =>
			(
				await testDb.db.query<{ external_id: string }>(
					"select external_id from plumb.events where source = 'stripe' order by external_id",
				)
			).map((row) => row.external_id);

		it("stores every missed event once, through the webhook's path, and counts what it already had", async () => {
			// 40 of them came by webhook already (signed, through POST /webhooks/stripe).
			const { app } = testApp(testDb.db);
			for (const event of recent.slice(0, 40)) {
				const res = await app.request(
					"/webhooks/stripe",
					stripeRequest(JSON.stringify(event)),
				);
				expect(res.status).toBe(200);
			}
			const result = await run();
			expect(result.ran).toBe(true);
			if (!result.ran) return;
			expect(result.summary).toMatchObject({
				fetched: 235,
				undelivered: 2,
				stored: 192,
				alreadyKnown: 40,
				otherTypes: 3,
				refused: 0,
			});
			// 2 pages of undelivered (one, as it fits), then 3 pages of 100 for the 233 recent ones.
			expect(result.summary.requests).toBe(4);
			const ids = await storedIds();
			expect(ids).toHaveLength(232);
			expect(new Set(ids)).toEqual(
				new Set([...recent, ...lostLongAgo].map((e) => e.id)),
			);
			expect(await counted("plumb_stripe_reconcile_events_total")).toEqual([
				"known=40",
				"other_type=3",
				"stored=192",
			]);
			expect(await counted("plumb_stripe_reconcile_runs_total")).toEqual([
				"done=1",
			]);
			// Stored as Stripe sent it, normalised like a webhook's.
			const [row] = await testDb.db.query<{
				type: string;
				payload: Record<string, unknown>;
			}>("select type, payload from plumb.events where external_id = $1", [
				lostLongAgo[0]?.id,
			]);
			expect(row?.payload).toEqual(lostLongAgo[0]);
			const [viaWebhook] = await testDb.db.query<{ type: string }>(
				"select type from plumb.events where external_id = $1",
				[recent[0]?.id],
			);
			const [viaReconcile] = await testDb.db.query<{ type: string }>(
				"select type from plumb.events where external_id = $1",
				[recent[50]?.id],
			);
			expect(viaReconcile?.type).toBe(viaWebhook?.type);
		});

		it("a second run starts from the checkpoint: only the overlap is read again, nothing stored twice", async () => {
			await run();
			stripe.seed(
				"events",
				copiesOf(stripeEventSample("invoice.paid"), 5, {
					tag: "new",
					firstCreated: nowS,
				}),
			);
			const again = await run();
			if (!again.ran) throw new Error("busy");
			// From the newest event seen (a plan.created, a day ago) less the 10-minute overlap: the 3
			// plan events are read again, nothing older, and the 5 new ones are stored.
			expect(again.summary).toMatchObject({
				sinceS: nowS - DAY + 2 - 600,
				fetched: 8,
				stored: 5,
				alreadyKnown: 0,
				otherTypes: 3,
			});
			expect(await storedIds()).toHaveLength(237);
		});

		it("waits out 429s (Retry-After) part-way through and still stores everything", async () => {
			stripe.rateLimit({
				times: 2,
				retryAfter: "2",
				when: (req) => req.query.has("starting_after"),
			});
			const result = await run();
			if (!result.ran) throw new Error("busy");
			expect(waits).toEqual([2_000, 2_000]);
			expect(result.summary.stored).toBe(232);
			expect(result.summary.requests).toBe(6);
		});

		it("two runs at once: one does the work, the other says busy", async () => {
			const [a, b] = await Promise.all([run(), run()]);
			expect([a.ran, b.ran].sort()).toEqual([false, true]);
			expect(await storedIds()).toHaveLength(232);
			// The lease is given back: a later run runs.
			expect((await run()).ran).toBe(true);
			expect(await counted("plumb_stripe_reconcile_runs_total")).toEqual([
				"busy=1",
				"done=2",
			]);
		});

		it("a key without Events: Read names the permission, stores nothing, and leaves the checkpoint free", async () => {
			const refused = await run(NO_EVENTS).catch((error: unknown) => error);
			expect(refused).toBeInstanceOf(StripeApiError);
			expect((refused as StripeApiError).permission).toBe("eventsRead");
			expect((refused as Error).message).toContain('"Events: Read"');
			expect(await storedIds()).toHaveLength(0);
			const [checkpoint] = await testDb.db.query<{
				position: unknown;
				lease_until: unknown;
			}>("select position, lease_until from plumb.sync_checkpoints");
			expect(checkpoint).toEqual({ position: {}, lease_until: null });
			expect((await run()).ran).toBe(true);
		});

		it("--since bounds both lists: further back than the first run's 3 days, and undelivered ones only since then", async () => {
			stripe.seed(
				"events",
				copiesOf(stripeEventSample("invoice.paid"), 4, {
					tag: "week",
					firstCreated: nowS - 7 * DAY,
				}),
			);
			const first = await run(SECRET, (nowS - 8 * DAY) * 1000);
			if (!first.ran) throw new Error("busy");
			expect(first.summary.stored).toBe(234);
			const ids = await storedIds();
			expect(ids).toContain("evt_week000003");
			expect(ids).not.toContain(lostLongAgo[0]?.id);
		});
	},
);
