/**
 * The Supabase Edge Function entry under the real Deno runtime, against the real PostgreSQL, with the
 * worker as a separate Node `plumb worker`: what a founder deploys (docs/deno.md), on loopback.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TEST_STRIPE_SECRET } from "../support/app.ts";
import {
	type Child,
	freePort,
	isAlive,
	runPlumb,
	waitFor,
} from "../support/child.ts";
import { backends, freshDb, type TestDb } from "../support/db.ts";
import { serveEdgeEntry } from "../support/deno.ts";
import {
	bearer,
	intentEnv,
	intentRequest,
	TEST_API_KEY,
} from "../support/intents.ts";
import { objects } from "../support/state.ts";
import { envelope, stripeRequest } from "../support/stripe.ts";
import { startHubSpotStandIn } from "../support/vendor-stand-ins.ts";

const HUBSPOT_TOKEN = "pat-na1-deno-edge-0000";
/** The event worker's safety sweep: anything processed sooner was woken by the ingest's NOTIFY. */
const EVENT_SWEEP_MS = 30_000;

describe.runIf(backends.includes("pg"))(
	"ingest as a Supabase Edge Function under Deno, worker on Node",
	() => {
		const cleanups: Array<() => Promise<unknown> | unknown> = [];
		afterEach(async () => {
			for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
		});
		/** Killed by its own pid at the end of the test, whatever happened. */
		const track = (child: Child): Child => {
			cleanups.push(() => {
				if (isAlive(child)) child.process.kill("SIGKILL");
			});
			return child;
		};

		it("stores a signed Stripe event and an intent once each, duplicates too, and the Node worker, woken by NOTIFY, delivers them", async () => {
			const testDb: TestDb = await freshDb("pg");
			cleanups.push(() => testDb.dispose());
			const url = testDb.url as string;
			const hubspot = await startHubSpotStandIn({ token: HUBSPOT_TOKEN });
			cleanups.push(() => hubspot.close());
			const port = await freePort();
			const deno = track(
				serveEdgeEntry({
					port,
					databaseUrl: url,
					env: intentEnv({ STRIPE_WEBHOOK_SECRET: TEST_STRIPE_SECRET }),
				}),
			);
			const worker = track(
				runPlumb(["worker"], {
					DATABASE_URL: url,
					HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
					HUBSPOT_BASE_URL: hubspot.url,
				}),
			);
			// Supabase hands the function `/plumb/…` for https://<ref>.supabase.co/functions/v1/plumb/…
			const base = `http://127.0.0.1:${port}/plumb`;
			await waitFor(
				async () => (await fetch(`${base}/readyz`)).status === 200,
				20_000,
			).catch(() => {
				throw new Error(`deno never became ready:\n${deno.output()}`);
			});
			await waitFor(() => worker.output().includes('"outcome":"ready"'));
			// Past the worker's first look at the empty inbox: from here only a NOTIFY wakes it early.
			await new Promise((resolve) => setTimeout(resolve, 500));

			const payload = envelope("invoice.paid", objects.invoicePaid(1));
			const posted = Date.now();
			const first = await fetch(
				`${base}/webhooks/stripe`,
				stripeRequest(payload),
			);
			const again = await fetch(
				`${base}/webhooks/stripe`,
				stripeRequest(payload),
			);
			expect([first.status, again.status]).toEqual([200, 200]);
			expect(first.headers.get("cache-control")).toBe("no-store");
			const firstBody = (await first.json()) as Record<string, unknown>;
			expect(firstBody).toMatchObject({ received: true, duplicate: false });
			expect(await again.json()).toEqual({
				...firstBody,
				duplicate: true,
			});

			const signup = intentRequest(
				{
					type: "signup",
					data: { email: "ada@example.com", name: "Ada Lovelace" },
					customer: { email: "ada@example.com", user_id: "u_ada" },
				},
				{ token: TEST_API_KEY, idempotencyKey: "signup-ada-1" },
			);
			const accepted = await fetch(`${base}/v1/events`, signup);
			const replayed = await fetch(`${base}/v1/events`, signup);
			expect([accepted.status, replayed.status]).toEqual([202, 202]);
			const { id } = (await accepted.json()) as { id: string };
			expect(await replayed.json()).toMatchObject({ id });

			// Stored once each, by the Deno process.
			expect(
				await testDb.db.query(
					"select source, type from plumb.events order by source",
				),
			).toEqual([
				{ source: "app", type: "signup" },
				{ source: "stripe", type: "payment_succeeded" },
			]);

			// Processed by the Node worker well inside its sweep, so the wake-up crossed processes.
			await waitFor(async () => {
				const [row] = await testDb.db.query<{ n: number }>(
					"select count(*)::int as n from plumb.events where status = 'processed'",
				);
				return row?.n === 2;
			}, 10_000);
			expect(Date.now() - posted).toBeLessThan(EVENT_SWEEP_MS);
			await waitFor(async () => {
				const res = await fetch(
					`${base}/v1/requests/${id}`,
					bearer(TEST_API_KEY),
				);
				return ((await res.json()) as { status: string }).status === "done";
			}, 10_000);
			expect(hubspot.contacts.get("ada@example.com")?.properties).toMatchObject(
				{ email: "ada@example.com", lifecyclestage: "customer" },
			);
			const deliveries = await testDb.db.query<{ status: string }>(
				"select status from plumb.deliveries",
			);
			expect(deliveries.length).toBeGreaterThan(0);
			expect(deliveries.every((row) => row.status === "succeeded")).toBe(true);
			// The edge process never ran a worker: it logged requests only.
			expect(deno.output()).not.toContain('"worker"');
			expect(isAlive(deno)).toBe(true);
		}, 60_000);
	},
);
