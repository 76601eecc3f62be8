import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_STRIPE_SECRET, testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import {
	envelope,
	sign,
	stripeFixture,
	stripeObject,
	stripeRequest,
} from "../../test/support/stripe.ts";

const ROTATED_SECRET = "whsec_rotated_plumb_fedcba9876543210";

async function countEvents(testDb: TestDb): Promise<number> {
	const [row] = await testDb.db.query<{ n: number }>(
		"select count(*)::int as n from plumb.events",
	);
	return row?.n ?? -1;
}

describe.each(backends)("POST /webhooks/stripe on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it("stores a valid event once and answers with its id after the write", async () => {
		const { app, metrics } = testApp(testDb.db);
		const payload = stripeFixture("invoice.paid");
		const res = await app.request("/webhooks/stripe", stripeRequest(payload));
		expect(res.status).toBe(200);
		const body = (await res.json()) as {
			received: boolean;
			duplicate: boolean;
			event_id: string;
		};
		expect(body).toMatchObject({ received: true, duplicate: false });
		const rows = await testDb.db.query<Record<string, unknown>>(
			"select id, type, source, external_id, status, occurred_at, correlation_id, data from plumb.events",
		);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({
			id: body.event_id,
			type: "payment_succeeded",
			source: "stripe",
			external_id: "evt_000000000000000000000000",
			status: "pending",
			occurred_at: new Date(1648320015 * 1000),
			correlation_id: res.headers.get("x-request-id"),
		});
		const counter = await metrics.eventsReceived.get();
		expect(counter.values).toEqual([
			{ labels: { source: "stripe", type: "payment_succeeded" }, value: 1 },
		]);
	});

	it("answers a redelivery with duplicate: true and the original id, storing nothing new", async () => {
		const { app, metrics } = testApp(testDb.db);
		const payload = stripeFixture("customer.subscription.updated");
		const first = (await (
			await app.request("/webhooks/stripe", stripeRequest(payload))
		).json()) as { event_id: string };
		const second = await app.request(
			"/webhooks/stripe",
			stripeRequest(payload),
		);
		expect(second.status).toBe(200);
		expect(await second.json()).toEqual({
			received: true,
			duplicate: true,
			event_id: first.event_id,
		});
		expect(await countEvents(testDb)).toBe(1);
		expect((await metrics.duplicatesSuppressed.get()).values[0]?.value).toBe(1);
	});

	it("stores an unmapped Stripe type as ignored and acknowledges it", async () => {
		const { app } = testApp(testDb.db);
		const res = await app.request(
			"/webhooks/stripe",
			stripeRequest(envelope("product.created", stripeObject("product"))),
		);
		expect(res.status).toBe(200);
		const [row] = await testDb.db.query<{
			type: string;
			data: { provider?: { ignored_reason?: string } };
		}>("select type, data from plumb.events");
		expect(row?.type).toBe("ignored");
		expect(row?.data.provider?.ignored_reason).toBe(
			"Plumb does not act on product.created events",
		);
	});

	it("accepts the second of two rotated secrets", async () => {
		const { app } = testApp(testDb.db, {
			env: { STRIPE_WEBHOOK_SECRET: `${TEST_STRIPE_SECRET},${ROTATED_SECRET}` },
		});
		const payload = stripeFixture("charge.refunded");
		const res = await app.request(
			"/webhooks/stripe",
			stripeRequest(payload, { secret: ROTATED_SECRET }),
		);
		expect(res.status).toBe(200);
		expect(await countEvents(testDb)).toBe(1);
	});

	describe("refuses bad signatures with 401, storing nothing but a counter and a log line", () => {
		const payload = stripeFixture("invoice.paid");
		const now = () => Math.floor(Date.now() / 1000);
		const flipped = (() => {
			const header = sign(payload);
			const last = header.at(-1) === "0" ? "1" : "0";
			return `${header.slice(0, -1)}${last}`;
		})();
		const cases: Array<[string, () => RequestInit]> = [
			[
				"one byte of the body flipped",
				() => ({
					...stripeRequest(payload),
					body: payload.replace("in_0", "in_1"),
				}),
			],
			[
				"one hex digit of the signature flipped",
				() => stripeRequest(payload, { signature: flipped }),
			],
			[
				"the wrong secret",
				() =>
					stripeRequest(payload, { secret: "whsec_someone_else_entirely_123" }),
			],
			[
				"no Stripe-Signature header",
				() => stripeRequest(payload, { signature: null }),
			],
			[
				"a garbage header",
				() => stripeRequest(payload, { signature: "nonsense" }),
			],
			[
				"a timestamp 301 s old",
				() => stripeRequest(payload, { timestamp: now() - 301 }),
			],
			[
				"a timestamp 301 s in the future",
				() => stripeRequest(payload, { timestamp: now() + 301 }),
			],
			[
				"re-serialized JSON (same data, other bytes)",
				() => ({
					...stripeRequest(payload),
					body: JSON.stringify(JSON.parse(payload)),
				}),
			],
		];
		it.each(cases)("%s", async (_name, init) => {
			const { app, metrics, logs } = testApp(testDb.db);
			const res = await app.request("/webhooks/stripe", init());
			expect(res.status).toBe(401);
			expect(await res.json()).toMatchObject({ error: "invalid_signature" });
			expect(await countEvents(testDb)).toBe(0);
			expect((await metrics.signatureFailures.get()).values[0]?.value).toBe(1);
			expect(logs().filter((line) => line.step === "verify")).toEqual([
				expect.objectContaining({
					level: "warn",
					source: "stripe",
					outcome: expect.any(String),
				}),
			]);
		});
	});

	it("accepts timestamps just inside the window on both sides", async () => {
		const { app } = testApp(testDb.db);
		const now = Math.floor(Date.now() / 1000);
		const old = stripeFixture("invoice.paid");
		const future = envelope("invoice.paid", stripeObject("invoice"));
		expect(
			(
				await app.request(
					"/webhooks/stripe",
					stripeRequest(old, { timestamp: now - 290 }),
				)
			).status,
		).toBe(200);
		expect(
			(
				await app.request(
					"/webhooks/stripe",
					stripeRequest(future, { timestamp: now + 290 }),
				)
			).status,
		).toBe(200);
		expect(await countEvents(testDb)).toBe(2);
	});

	describe("refuses bad input with 4xx, never 5xx, and stores nothing", () => {
		const nested = `{"id":"evt_deep","object":"event","type":"invoice.paid","created":1,"data":{"object":${"[".repeat(5000)}${"]".repeat(5000)}}}`;
		const cases: Array<[string, () => RequestInit, number]> = [
			["malformed JSON", () => stripeRequest('{"id": "evt_1", '), 400],
			["an empty body", () => stripeRequest(""), 400],
			["a JSON array", () => stripeRequest("[1,2,3]"), 400],
			[
				"an envelope without data.object",
				() =>
					stripeRequest(
						'{"id":"evt_1","object":"event","type":"x","created":1,"data":{}}',
					),
				400,
			],
			["deeply nested JSON", () => stripeRequest(nested), 400],
			[
				"a text/plain content type",
				() =>
					stripeRequest(stripeFixture("invoice.paid"), {
						contentType: "text/plain",
					}),
				415,
			],
			[
				"513 KiB",
				() =>
					stripeRequest(`{"id":"evt_big","pad":"${"x".repeat(513 * 1024)}"}`),
				413,
			],
		];
		it.each(cases)("%s", async (_name, init, status) => {
			const { app } = testApp(testDb.db);
			const res = await app.request("/webhooks/stripe", init());
			expect(res.status).toBe(status);
			const body = (await res.json()) as { error: string; message: string };
			expect(typeof body.error).toBe("string");
			expect(typeof body.message).toBe("string");
			expect(await countEvents(testDb)).toBe(0);
		});
	});

	it("answers 503 and stores nothing when no webhook secret is configured", async () => {
		const { app } = testApp(testDb.db, { env: { STRIPE_WEBHOOK_SECRET: "" } });
		const res = await app.request(
			"/webhooks/stripe",
			stripeRequest(stripeFixture("invoice.paid")),
		);
		expect(res.status).toBe(503);
		expect(await res.json()).toMatchObject({ error: "service_unavailable" });
		expect(await countEvents(testDb)).toBe(0);
	});

	it("answers 5xx, never 2xx, when the write fails", async () => {
		const { app } = testApp(testDb.db);
		await testDb.db.exec("alter table plumb.events rename to events_moved");
		const res = await app.request(
			"/webhooks/stripe",
			stripeRequest(stripeFixture("invoice.paid")),
		);
		expect(res.status).toBe(500);
		const body = (await res.json()) as { error: string; message: string };
		expect(body.error).toBe("internal");
		expect(JSON.stringify(body)).not.toMatch(
			/events_moved|relation|select|insert/i,
		);
	});
});
