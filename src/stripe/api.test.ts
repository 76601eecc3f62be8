import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	copiesOf,
	eventAround,
	stripeExample,
} from "../../test/support/stripe-api/fixtures.ts";
import {
	type StripeApiStandIn,
	startStripeApi,
} from "../../test/support/stripe-api/server.ts";
import { createStripeApi } from "./api.ts";
import { StripeApiError } from "./api-error.ts";
import { STRIPE_API_VERSION } from "./subscribed-events.ts";

const SECRET = "sk_test_standin0000000000secret";
const EVENTS_ONLY = "rk_test_standin00000000eventsonly";

describe("the Stripe API client against the loopback stand-in", () => {
	let stripe: StripeApiStandIn;
	const waits: number[] = [];
	const api = (key = SECRET) =>
		createStripeApi(
			{ apiKey: key, apiBase: stripe.url },
			{
				sleep: async (ms) => {
					waits.push(ms);
				},
			},
		);

	beforeEach(async () => {
		waits.length = 0;
		stripe = await startStripeApi({
			[SECRET]: "all",
			[EVENTS_ONLY]: ["event_read"],
		});
		const customers = copiesOf(stripeExample("customer"), 25, {
			tag: "pg",
			firstCreated: 1_700_000_000,
		});
		stripe.seed("customers", customers);
		stripe.seed(
			"subscriptions",
			copiesOf(
				{ ...stripeExample("subscription"), customer: "cus_pg000003" },
				3,
				{ tag: "pg", firstCreated: 1_700_000_000 },
			),
		);
	});
	afterEach(async () => {
		await stripe.close();
	});

	it("pages a list newest first with starting_after and ending_before, no overlap and no gap", async () => {
		const client = api();
		const seen: string[] = [];
		let after: string | undefined;
		for (;;) {
			const page = await client.call("list customers", "customersRead", (sdk) =>
				sdk.customers.list({
					limit: 10,
					...(after ? { starting_after: after } : {}),
				}),
			);
			expect(page.object).toBe("list");
			seen.push(...page.data.map((c) => c.id));
			if (!page.has_more) break;
			after = page.data.at(-1)?.id;
		}
		expect(seen).toHaveLength(25);
		expect(new Set(seen).size).toBe(25);
		expect(seen[0]).toBe("cus_pg000024");
		const newer = await client.call("list customers", "customersRead", (sdk) =>
			sdk.customers.list({ limit: 3, ending_before: "cus_pg000010" }),
		);
		expect(newer.data.map((c) => c.id)).toEqual([
			"cus_pg000013",
			"cus_pg000012",
			"cus_pg000011",
		]);
		expect(newer.has_more).toBe(true);
		// The SDK sent Plumb's pinned version and the key as a Bearer token.
		const last = stripe.requests.at(-1);
		expect(last?.headers["stripe-version"]).toBe(STRIPE_API_VERSION);
		expect(last?.headers.authorization).toBe(`Bearer ${SECRET}`);
	});

	it("filters on created[gte] and expands ids inside list items", async () => {
		const client = api();
		const recent = await client.call("list customers", "customersRead", (sdk) =>
			sdk.customers.list({ limit: 100, created: { gte: 1_700_000_020 } }),
		);
		expect(recent.data.map((c) => c.created).sort()).toEqual([
			1_700_000_020, 1_700_000_021, 1_700_000_022, 1_700_000_023, 1_700_000_024,
		]);
		const subs = await client.call(
			"list subscriptions",
			"subscriptionsRead",
			(sdk) => sdk.subscriptions.list({ expand: ["data.customer"] }),
		);
		const customer = subs.data[0]?.customer;
		expect(typeof customer === "object" && customer?.id).toBe("cus_pg000003");
	});

	it("waits out 429s as Retry-After says, then succeeds; Stripe-Should-Retry: false is not retried", async () => {
		const client = api();
		stripe.rateLimit({ times: 2, retryAfter: "3" });
		const page = await client.call("list customers", "customersRead", (sdk) =>
			sdk.customers.list({ limit: 1 }),
		);
		expect(page.data).toHaveLength(1);
		expect(waits).toEqual([3_000, 3_000]);
		expect(client.requests()).toBe(3);

		stripe.rateLimit({ times: 1, shouldRetry: false });
		const refused = await client
			.call("list customers", "customersRead", (sdk) =>
				sdk.customers.list({ limit: 1 }),
			)
			.catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(StripeApiError);
		expect((refused as StripeApiError).kind).toBe("rate_limited");
		expect(waits).toHaveLength(2);
	});

	it("gives up after a bounded number of 429s, with backoff when there is no Retry-After", async () => {
		const client = api();
		stripe.rateLimit({ times: 100 });
		const refused = await client
			.call("list customers", "customersRead", (sdk) =>
				sdk.customers.list({ limit: 1 }),
			)
			.catch((error: unknown) => error);
		expect((refused as StripeApiError).kind).toBe("rate_limited");
		expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
		expect(stripe.requests).toHaveLength(6);
	});

	it("names the missing permission of a restricted key, and never repeats the key", async () => {
		const client = api(EVENTS_ONLY);
		const events = await client.call("list events", "eventsRead", (sdk) =>
			sdk.events.list({ limit: 1 }),
		);
		expect(events.data).toEqual([]);
		const refused = (await client
			.call("list customers", "customersRead", (sdk) =>
				sdk.customers.list({ limit: 1 }),
			)
			.catch((error: unknown) => error)) as StripeApiError;
		expect(refused.kind).toBe("permission");
		expect(refused.message).toContain('"Customers: Read"');
		expect(refused.message).not.toContain(EVENTS_ONLY.slice(-4));
	});

	it("says 401 for an unknown key and 404 for a missing object, without the key", async () => {
		const bad = "sk_test_notakeythestandinknows9";
		const refused = (await api(bad)
			.call("list events", "eventsRead", (sdk) => sdk.events.list())
			.catch((error: unknown) => error)) as StripeApiError;
		expect(refused.kind).toBe("authentication");
		expect(refused.message).toContain("401");
		expect(refused.message).not.toContain(bad.slice(-4));
		const missing = (await api()
			.call("read an event", "eventsRead", (sdk) =>
				sdk.events.retrieve("evt_missing"),
			)
			.catch((error: unknown) => error)) as StripeApiError;
		expect(missing.kind).toBe("not_found");
		expect(missing.message).toContain("No such event");
	});

	it("serves seeded events and lists only undelivered ones for delivery_success=false", async () => {
		const invoice = stripeExample("invoice");
		const events = Array.from({ length: 5 }, (_, n) =>
			eventAround("invoice.paid", invoice, {
				id: `evt_pg${n}`,
				created: 1_700_000_100 + n,
			}),
		);
		stripe.seed("events", events);
		stripe.markUndelivered(["evt_pg1", "evt_pg3"]);
		const failed = await api().call("list events", "eventsRead", (sdk) =>
			sdk.events.list({ delivery_success: false }),
		);
		expect(failed.data.map((e) => e.id)).toEqual(["evt_pg3", "evt_pg1"]);
		expect(failed.data[0]?.pending_webhooks).toBe(1);
	});

	it("creates a webhook endpoint from a form body; the same Idempotency-Key replays it, other parameters under it are refused", async () => {
		const client = api();
		const create = (url: string) =>
			client.call(
				"create the webhook endpoint",
				"webhookEndpointsWrite",
				(sdk) =>
					sdk.webhookEndpoints.create(
						{ url, enabled_events: ["invoice.paid", "charge.refunded"] },
						{ idempotencyKey: "key-1" },
					),
			);
		const first = await create("https://a.example/webhooks/stripe");
		expect(first.enabled_events).toEqual(["invoice.paid", "charge.refunded"]);
		expect(first.secret).toMatch(/^whsec_/);
		const replay = await create("https://a.example/webhooks/stripe");
		expect(replay.id).toBe(first.id);
		expect(stripe.objects("webhook_endpoints")).toHaveLength(1);
		const clash = (await create("https://b.example/webhooks/stripe").catch(
			(error: unknown) => error,
		)) as StripeApiError;
		expect(clash.kind).toBe("refused");
		expect(clash.message).toContain("idempotency_error");
		expect(stripe.objects("webhook_endpoints")).toHaveLength(1);
	});
});
