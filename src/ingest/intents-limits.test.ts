import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import {
	countRows,
	hs256Token,
	intentEnv,
	intentRequest,
	TEST_API_KEY,
	userClaims,
} from "../../test/support/intents.ts";
import { openPg } from "../store/index.ts";

const USER = "33333333-3333-4333-8333-333333333333";
const SHARED_USER = "44444444-4444-4444-8444-444444444444";

describe.each(backends)("rate limit and CORS on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeAll(async () => {
		testDb = await freshDb(backend);
	});
	afterAll(async () => {
		await testDb.dispose();
	});

	it("two serve processes on separate pools share one caller's rate: the bucket is in Postgres", async () => {
		let now = Date.UTC(2025, 2, 1);
		const env = intentEnv({ PLUMB_INTENT_RATE_PER_MINUTE: "4" });
		// Its own database: the suite's other tests count the events of theirs.
		const own = await freshDb(backend);
		// A second process: its own in-memory first gate, and on Postgres its own pool.
		const secondDb = own.url
			? openPg({ connectionString: own.url, max: 2 })
			: own.db;
		try {
			const apps = [own.db, secondDb].map(
				(db) => testApp(db, { env, now: () => now }).app,
			);
			const claims = userClaims(SHARED_USER, "s@example.com", {
				iat: Math.floor(now / 1000),
				exp: Math.floor(now / 1000) + 3600,
			});
			const token = await hs256Token(claims);
			const before = await countRows(own.db, "events");
			const statuses: number[] = [];
			for (let i = 0; i < 6; i++) {
				const res = await apps[i % 2]?.request(
					"/v1/events",
					intentRequest(
						{ type: "chat_started", data: { session_id: `shared-${i}` } },
						{ token },
					),
				);
				statuses.push(res?.status ?? 0);
				if (res?.status === 429)
					expect(res.headers.get("retry-after")).toBe("15");
			}
			// Each process alone would have let 4 through (8 in all); together they let 4.
			expect(statuses).toEqual([202, 202, 202, 202, 429, 429]);
			expect(await countRows(own.db, "events")).toBe(before + 4);
			now += 15_000;
			const again = await apps[1]?.request(
				"/v1/events",
				intentRequest(
					{ type: "chat_started", data: { session_id: "shared-later" } },
					{ token },
				),
			);
			expect(again?.status).toBe(202);
		} finally {
			if (secondDb !== own.db) await secondDb.close();
			await own.dispose();
		}
	});

	it("429 with Retry-After once a caller's bucket is empty, per caller, refilled over time", async () => {
		let now = Date.UTC(2025, 0, 1);
		const { app, metrics } = testApp(testDb.db, {
			env: intentEnv({
				PLUMB_INTENT_RATE_PER_MINUTE: "3",
				PLUMB_INTENT_KEY_RATE_PER_MINUTE: "5",
			}),
			now: () => now,
		});
		const claims = userClaims(USER, "u@example.com", {
			iat: Math.floor(now / 1000),
			exp: Math.floor(now / 1000) + 3600,
		});
		const user = await hs256Token(claims);
		const send = (token: string) =>
			app.request(
				"/v1/events",
				intentRequest(
					{ type: "chat_started", data: { session_id: "s" } },
					{ token },
				),
			);
		for (let i = 0; i < 3; i++) expect((await send(user)).status).toBe(202);
		const limited = await send(user);
		expect(limited.status).toBe(429);
		expect(limited.headers.get("retry-after")).toBe("20");
		expect(await limited.json()).toMatchObject({ error: "rate_limited" });
		// Another caller has its own bucket.
		expect(
			(
				await app.request(
					"/v1/events",
					intentRequest(
						{
							type: "chat_started",
							data: { session_id: "s" },
							customer: { email: "c@example.com" },
						},
						{ token: TEST_API_KEY },
					),
				)
			).status,
		).toBe(202);
		now += 20_000;
		expect((await send(user)).status).toBe(202);
		expect((await send(user)).status).toBe(429);
		expect(await countRows(testDb.db, "events")).toBe(5);
		expect((await metrics.intentsRejected.get()).values).toEqual([
			{ labels: { reason: "rate_limited" }, value: 2 },
		]);
	});

	it("answers browsers only from PLUMB_CORS_ORIGINS, errors included, and not at all by default", async () => {
		const origin = "https://app.example.com";
		const { app } = testApp(testDb.db, {
			env: intentEnv({ PLUMB_CORS_ORIGINS: origin }),
		});
		const preflight = await app.request("/v1/events", {
			method: "OPTIONS",
			headers: { origin, "access-control-request-method": "POST" },
		});
		expect(preflight.status).toBe(204);
		expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
		expect(preflight.headers.get("access-control-allow-headers")).toContain(
			"Idempotency-Key",
		);
		const refused = await app.request("/v1/events", {
			...intentRequest({}, {}),
			headers: { origin, "content-type": "application/json" },
		});
		expect(refused.status).toBe(401);
		expect(refused.headers.get("access-control-allow-origin")).toBe(origin);
		const stranger = await app.request("/v1/events", {
			method: "OPTIONS",
			headers: {
				origin: "https://evil.example",
				"access-control-request-method": "POST",
			},
		});
		expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
		const elsewhere = await app.request("/healthz", { headers: { origin } });
		expect(elsewhere.headers.get("access-control-allow-origin")).toBeNull();

		const closed = testApp(testDb.db, { env: intentEnv() }).app;
		const none = await closed.request("/v1/events", {
			method: "OPTIONS",
			headers: { origin, "access-control-request-method": "POST" },
		});
		expect(none.headers.get("access-control-allow-origin")).toBeNull();
	});
});
