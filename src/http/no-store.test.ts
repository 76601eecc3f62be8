import { describe, expect, it } from "vitest";
import {
	TEST_ADMIN_TOKEN,
	type TestApp,
	testApp,
} from "../../test/support/app.ts";
import { useFreshDb } from "../../test/support/db.ts";
import {
	intentEnv,
	intentRequest,
	TEST_API_KEY,
} from "../../test/support/intents.ts";
import { stripeFixture, stripeRequest } from "../../test/support/stripe.ts";

const SIGNUP = {
	type: "signup",
	data: { email: "cdn@example.com" },
	customer: { email: "cdn@example.com" },
};

type Case = [path: string, init: RequestInit, status: number];

/** Sends each request in order, checking its status and that it says no-store. */
async function expectNoStore(
	app: TestApp["app"],
	cases: readonly Case[],
): Promise<void> {
	for (const [path, init, status] of cases) {
		const res = await app.request(path, init);
		expect(res.status, path).toBe(status);
		expect(res.headers.get("cache-control"), `${path} ${status}`).toBe(
			"no-store",
		);
	}
}

describe("Cache-Control: no-store on every API and webhook answer (a CDN in front keeps none)", () => {
	const testDb = useFreshDb("pglite");

	it("webhook acknowledgements, duplicates and refusals", async () => {
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const payload = stripeFixture("invoice.paid");
		const cases: Case[] = [
			["/webhooks/stripe", stripeRequest(payload), 200],
			["/webhooks/stripe", stripeRequest(payload), 200],
			["/webhooks/stripe", stripeRequest(payload, { signature: null }), 401],
			[
				"/webhooks/stripe",
				stripeRequest(payload, { contentType: "text/plain" }),
				415,
			],
			[
				"/webhooks/stripe",
				stripeRequest(`{"pad":"${"x".repeat(513 * 1024)}"}`),
				413,
			],
			["/webhooks/stripe", stripeRequest("{not json"), 400],
			["/webhooks/supabase", { method: "POST", body: "{}" }, 401],
			["/webhooks/zendesk", { method: "POST", body: "{}" }, 503],
		];
		await expectNoStore(app, cases);
	});

	it("/v1 answers: accepted, replayed, refused, request status and unknown requests", async () => {
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const accepted = await app.request(
			"/v1/events",
			intentRequest(SIGNUP, { token: TEST_API_KEY, idempotencyKey: "k-1" }),
		);
		expect(accepted.status).toBe(202);
		expect(accepted.headers.get("cache-control")).toBe("no-store");
		const { id } = (await accepted.json()) as { id: string };
		const cases: Case[] = [
			[
				"/v1/events",
				intentRequest(SIGNUP, { token: TEST_API_KEY, idempotencyKey: "k-1" }),
				202,
			],
			[
				"/v1/events",
				intentRequest({ type: "nope" }, { token: TEST_API_KEY }),
				400,
			],
			["/v1/events", intentRequest(SIGNUP), 401],
			[
				`/v1/requests/${id}`,
				{ headers: { authorization: `Bearer ${TEST_API_KEY}` } },
				200,
			],
			[
				"/v1/requests/01900000-0000-7000-8000-000000000000",
				{ headers: { authorization: `Bearer ${TEST_API_KEY}` } },
				404,
			],
		];
		await expectNoStore(app, cases);
	});

	it("browser preflights, probes, metrics, unknown routes and the admin API; the fingerprinted dashboard assets stay cacheable", async () => {
		const { app } = testApp(testDb.db, {
			env: intentEnv({ PLUMB_CORS_ORIGINS: "https://app.example.com" }),
		});
		const cases: Case[] = [
			[
				"/v1/events",
				{
					method: "OPTIONS",
					headers: {
						origin: "https://app.example.com",
						"access-control-request-method": "POST",
					},
				},
				204,
			],
			["/healthz", {}, 200],
			["/readyz", {}, 200],
			["/metrics", {}, 200],
			["/", {}, 302],
			["/no/such/route", {}, 404],
			[
				"/admin/api/events",
				{ headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } },
				200,
			],
			["/admin/api/events", {}, 401],
		];
		await expectNoStore(app, cases);
		const css = await app.request("/admin/assets/admin.css");
		expect(css.headers.get("cache-control")).toBe(
			"public, max-age=31536000, immutable",
		);
	});
});
