import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	type TestDb,
	useFreshDb,
} from "../../test/support/db.ts";
import {
	captured,
	certServer,
	delivery,
	PAYPAL_ENV as ENV,
	justAfter,
	paypalRequest as post,
} from "../../test/support/paypal.ts";
import { drainEvents } from "../../test/support/worker.ts";
import { KNOWN_PAYPAL_INTERMEDIATES } from "./paypal-intermediates.ts";

async function events(testDb: TestDb) {
	return testDb.db.query<{ type: string; external_id: string; source: string }>(
		"select type, external_id, source from plumb.events order by received_at",
	);
}

const EXPECTED: Record<string, string> = {
	"PAYMENT.CAPTURE.COMPLETED": "payment_succeeded",
	"PAYMENT.CAPTURE.PENDING": "ignored",
	"PAYMENT.CAPTURE.REFUNDED": "refund_issued",
	"BILLING.SUBSCRIPTION.CREATED": "subscription_updated",
	"BILLING.SUBSCRIPTION.CANCELLED": "subscription_canceled",
	"BILLING.SUBSCRIPTION.EXPIRED": "subscription_canceled",
	"BILLING.SUBSCRIPTION.PAYMENT.FAILED": "payment_failed",
};

describe.each(backends)("POST /webhooks/paypal on %s", (backend: Backend) => {
	const testDb = useFreshDb(backend);

	it("verifies every captured PayPal delivery, stores each once, and fetches the certificate once", async () => {
		const server = certServer();
		let now = 0;
		const { app } = testApp(testDb.db, {
			env: ENV,
			now: () => now,
			fetch: server.fetch,
		});
		expect(captured.deliveries.map((d) => d.event_type).sort()).toEqual(
			Object.keys(EXPECTED).sort(),
		);
		// PayPal's simulator gave CANCELLED and EXPIRED one event id: the second is, rightly, a duplicate.
		const seen = new Set<string>();
		for (const d of captured.deliveries) {
			now = justAfter(d);
			const id = (JSON.parse(d.body) as { id: string }).id;
			const res = await app.request("/webhooks/paypal", post(d));
			expect(res.status, d.event_type).toBe(200);
			expect(await res.json()).toMatchObject({
				received: true,
				duplicate: seen.has(id),
			});
			seen.add(id);
		}
		const rows = await events(testDb);
		const firstOfEachId = captured.deliveries.filter(
			(d, index, all) =>
				all.findIndex(
					(other) => JSON.parse(other.body).id === JSON.parse(d.body).id,
				) === index,
		);
		expect(rows).toEqual(
			firstOfEachId.map((d) => ({
				type: EXPECTED[d.event_type],
				external_id: JSON.parse(d.body).id,
				source: "paypal",
			})),
		);
		expect(server.asked).toEqual([
			"https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1a5f47cb",
		]);
		// And through the rules: one subscriber; the simulator dates its PAYMENT.FAILED (2019-01-01) after
		// its CANCELLED (2018-12-10, from the resource: the envelope's date is impossible), so by provider
		// time the latest word is "payment failed, past due". The capture paid; the refunded one refunded.
		await drainEvents(testDb.db);
		expect(
			await testDb.db.query(
				"select email, plan, plan_status, billing_provider, last_payment_status from plumb.customers",
			),
		).toEqual([
			{
				email: "customer@example.com",
				plan: "P-5ML4271244454362WXNWU5NQ",
				plan_status: "past_due",
				billing_provider: "paypal",
				last_payment_status: "failed",
			},
		]);
		expect(
			await testDb.db.query(
				"select status, amount::int, currency from plumb.payments where customer_id is null order by status",
			),
		).toEqual([
			{ status: "refunded", amount: null, currency: "USD" },
			{ status: "succeeded", amount: 3000, currency: "USD" },
		]);
		expect(
			await testDb.db.query(
				"select count(*)::int as n from plumb.events where status <> 'processed'",
			),
		).toEqual([{ n: 0 }]);
	});

	it("refuses a tampered body, another webhook id, a forged signature or missing headers with 401, storing nothing", async () => {
		const d = delivery("PAYMENT.CAPTURE.COMPLETED");
		const server = certServer();
		const forged = Buffer.from(
			d.headers["paypal-transmission-sig"] ?? "",
			"base64",
		);
		forged[10] = (forged[10] ?? 0) ^ 1;
		const cases: Array<[string, RequestInit, Record<string, string>?]> = [
			["tampered body", post(d, {}, d.body.replace("30.00", "31.00"))],
			[
				"another webhook id",
				post(d),
				{ PAYPAL_WEBHOOK_ID: "8PT597110X687430LJ" },
			],
			[
				"forged signature",
				post(d, { "paypal-transmission-sig": forged.toString("base64") }),
			],
			[
				"another transmission id",
				post(d, {
					"paypal-transmission-id": "1c6772d0-5106-11ef-9b66-89f3f924d48b",
				}),
			],
			["no signature", post(d, { "paypal-transmission-sig": null })],
			["no cert url", post(d, { "paypal-cert-url": null })],
			["other algorithm", post(d, { "paypal-auth-algo": "SHA1withRSA" })],
		];
		for (const [name, request, env] of cases) {
			const { app } = testApp(testDb.db, {
				env: { ...ENV, ...env },
				now: () => justAfter(d),
				fetch: server.fetch,
			});
			const res = await app.request("/webhooks/paypal", request);
			expect(res.status, name).toBe(401);
			expect(await res.json()).toMatchObject({ error: "invalid_signature" });
		}
		expect(await events(testDb)).toEqual([]);
	});

	it("refuses a replayed delivery outside the window without fetching anything", async () => {
		const d = delivery("PAYMENT.CAPTURE.COMPLETED");
		const server = certServer();
		for (const offset of [16 * 60_000, -16 * 60_000, 86_400_000]) {
			const { app } = testApp(testDb.db, {
				env: ENV,
				now: () => justAfter(d) - 60_000 + offset,
				fetch: server.fetch,
			});
			expect((await app.request("/webhooks/paypal", post(d))).status).toBe(401);
		}
		expect(server.asked).toEqual([]);
		expect(await events(testDb)).toEqual([]);
	});

	it("never requests a certificate URL off PayPal's hosts: 401 with no request at all", async () => {
		const d = delivery("PAYMENT.CAPTURE.COMPLETED");
		const server = certServer();
		const { app } = testApp(testDb.db, {
			env: ENV,
			now: () => justAfter(d),
			fetch: server.fetch,
		});
		for (const url of [
			"https://attacker.example/v1/notifications/certs/CERT-360caa42-fca2a594-1a5f47cb",
			"https://api.paypal.com.attacker.example/v1/notifications/certs/CERT-1",
			"http://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1a5f47cb",
			"https://api.paypal.com:8443/v1/notifications/certs/CERT-1",
			"https://user@api.paypal.com/v1/notifications/certs/CERT-1",
			"https://api.paypal.com/v1/oauth2/token",
			"https://127.0.0.1/v1/notifications/certs/CERT-1",
			"not a url",
		]) {
			const res = await app.request(
				"/webhooks/paypal",
				post(d, { "paypal-cert-url": url }),
			);
			expect(res.status, url).toBe(401);
		}
		expect(server.asked).toEqual([]);
		expect(await events(testDb)).toEqual([]);
	});

	it("refuses a certificate that is not PayPal's signing certificate, and an expired one at today's date", async () => {
		const d = delivery("PAYMENT.CAPTURE.COMPLETED");
		const intermediate = KNOWN_PAYPAL_INTERMEDIATES[0] ?? "";
		const served = certServer(intermediate);
		const wrong = testApp(testDb.db, {
			env: ENV,
			now: () => justAfter(d),
			fetch: served.fetch,
		});
		expect((await wrong.app.request("/webhooks/paypal", post(d))).status).toBe(
			401,
		);
		expect(wrong.logs().some((line) => line.outcome === "cert_untrusted")).toBe(
			true,
		);
		// The captured certificate expired on 2025-03-07: with a clock after that it is refused.
		const later = Date.parse("2025-06-01T00:00:00Z");
		const expired = testApp(testDb.db, {
			env: ENV,
			now: () => later,
			fetch: certServer().fetch,
		});
		const res = await expired.app.request(
			"/webhooks/paypal",
			post(d, { "paypal-transmission-time": new Date(later).toISOString() }),
		);
		expect(res.status).toBe(401);
		expect(expired.logs().some((line) => line.outcome === "cert_expired")).toBe(
			true,
		);
		expect(await events(testDb)).toEqual([]);
	});

	it("answers 503 while PAYPAL_WEBHOOK_ID is unset and 415 for another content type", async () => {
		const d = delivery("PAYMENT.CAPTURE.COMPLETED");
		const unset = testApp(testDb.db, {
			now: () => justAfter(d),
			fetch: certServer().fetch,
		});
		expect((await unset.app.request("/webhooks/paypal", post(d))).status).toBe(
			503,
		);
		const set = testApp(testDb.db, {
			env: ENV,
			now: () => justAfter(d),
			fetch: certServer().fetch,
		});
		expect(
			(
				await set.app.request(
					"/webhooks/paypal",
					post(d, { "content-type": "text/plain" }),
				)
			).status,
		).toBe(415);
		expect(await events(testDb)).toEqual([]);
	});
});
