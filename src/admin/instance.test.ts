import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	TEST_ADMIN_TOKEN,
	TEST_STRIPE_SECRET,
	testApp,
} from "../../test/support/app.ts";
import { backends, freshDb, type TestDb } from "../../test/support/db.ts";

describe.each(backends)("GET /admin/api/instance on %s", (backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it("tells the token holder which secrets and connectors the instance has, by name (never a value), and its database", async () => {
		const hubspotToken = "pat-na1-instance-SENTINEL-42";
		const { app } = testApp(testDb.db, {
			env: {
				HUBSPOT_ACCESS_TOKEN: hubspotToken,
				STRIPE_API_KEY: "rk_test_SENTINEL_key_123",
				PLUMB_CORS_ORIGINS: "https://app.example.com",
			},
		});
		expect((await app.request("/admin/api/instance")).status).toBe(401);
		const res = await app.request("/admin/api/instance", {
			headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
		});
		expect(res.status).toBe(200);
		const text = await res.text();
		for (const secret of [hubspotToken, TEST_ADMIN_TOKEN, TEST_STRIPE_SECRET])
			expect(text).not.toContain(secret);
		expect(text).not.toContain("SENTINEL");
		expect(JSON.parse(text)).toEqual({
			configuration: {
				env: "test",
				variables: {
					set: ["STRIPE_WEBHOOK_SECRET", "STRIPE_API_KEY", "ADMIN_TOKEN"],
					unset: [
						"ZENDESK_WEBHOOK_SECRET",
						"REVENUECAT_WEBHOOK_AUTH",
						"PAYPAL_WEBHOOK_ID",
						"SUPABASE_JWT_SECRET",
						"SUPABASE_WEBHOOK_SECRET",
						"PLUMB_API_KEYS",
						"METRICS_TOKEN",
						"PLUMB_LOG_SALT",
					],
				},
				connectors: {
					hubspot: true,
					zendesk: false,
					slack: false,
					email: false,
				},
				stripe_key_mode: "test",
				cors: { origins: 1, any: false },
				public_url: "http://127.0.0.1:8787",
				public_url_set: false,
			},
			database: {
				kind: backend,
				version: expect.stringMatching(/^\d+/),
				version_num: expect.any(Number),
				migrated: true,
				now: expect.any(String),
			},
			stripe_api_versions: [],
		});
	});
});
