import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import {
	authUserInsert,
	countRows,
	intentEnv,
	startJwks,
	TEST_API_KEY,
	TEST_JWT_SECRET,
	TEST_SUPABASE_WEBHOOK_SECRET,
	type TestJwks,
	userClaims,
} from "../support/intents.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const USER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

describe.each(backends)(
	"app intents over loopback on %s",
	(backend: Backend) => {
		let testDb: TestDb;
		let jwks: TestJwks;
		let server: TestServer;
		beforeAll(async () => {
			testDb = await freshDb(backend);
			jwks = await startJwks();
			server = await startTestServer(
				testDb.db,
				intentEnv({ SUPABASE_JWKS_URL: jwks.url }),
			);
		});
		afterAll(async () => {
			await server.stop(100);
			await jwks.close();
			await testDb.dispose();
		});

		const post = (
			path: string,
			body: unknown,
			headers: Record<string, string>,
		) =>
			fetch(`${server.url}${path}`, {
				method: "POST",
				headers: { "content-type": "application/json", ...headers },
				body: JSON.stringify(body),
			});

		it("makes one event of 20 concurrent double taps over HTTP with an ES256 token from the JWKS", async () => {
			const token = await jwks.sign(userClaims(USER, "tap@example.com"));
			const body = {
				type: "support_requested",
				data: { message: "upgrade please" },
			};
			const answers = await Promise.all(
				Array.from({ length: 20 }, () =>
					post("/v1/events", body, {
						authorization: `Bearer ${token}`,
						"idempotency-key": "buy-button-1",
					}),
				),
			);
			expect(answers.map((res) => res.status)).toEqual(Array(20).fill(202));
			const ids = new Set(
				await Promise.all(
					answers.map(async (res) => ((await res.json()) as { id: string }).id),
				),
			);
			expect(ids.size).toBe(1);
			const [id] = [...ids];
			const [row] = await testDb.db.query<{ n: number }>(
				"select count(*)::int as n from plumb.events where source = 'app' and type = 'support_requested'",
			);
			expect(row?.n).toBe(1);
			const status = await fetch(`${server.url}/v1/requests/${id}`, {
				headers: { authorization: `Bearer ${token}` },
			});
			expect(await status.json()).toMatchObject({ id, status: "received" });
			expect(jwks.fetches()).toBe(1);
		});

		it("takes a Supabase signup webhook once, however often it is delivered", async () => {
			const body = authUserInsert(
				"cccccccc-cccc-4ccc-8ccc-cccccccccccc",
				"new@example.com",
			);
			const before = await countRows(testDb.db, "events");
			const answers = await Promise.all(
				Array.from({ length: 5 }, () =>
					post("/webhooks/supabase", body, {
						authorization: `Bearer ${TEST_SUPABASE_WEBHOOK_SECRET}`,
					}),
				),
			);
			expect(answers.map((res) => res.status)).toEqual(Array(5).fill(200));
			expect(await countRows(testDb.db, "events")).toBe(before + 1);
		});

		it("never logs a JWT, an API key, the JWT secret or the webhook secret, on any intent path", async () => {
			const token = await jwks.sign(userClaims(USER, "tap@example.com"));
			const expired = await jwks.sign(
				userClaims(USER, "tap@example.com", { exp: 1 }),
			);
			const lead = {
				type: "lead_captured",
				data: { email: "canary@example.com" },
			};
			await post("/v1/events", lead, {
				authorization: `Bearer ${TEST_API_KEY}`,
			});
			await post("/v1/events", lead, { authorization: `Bearer ${token}` });
			await post("/v1/events", lead, {
				authorization: `Bearer ${expired}`,
				"x-request-id": TEST_API_KEY,
			});
			await post(
				"/v1/events",
				{ type: "signup", data: { email: token } },
				{ authorization: `Bearer ${TEST_API_KEY}` },
			);
			await post("/v1/events", lead, {
				authorization: `Bearer ${TEST_API_KEY}x`,
			});
			await fetch(`${server.url}/v1/requests/${TEST_API_KEY}`, {
				headers: { authorization: `Bearer ${token}` },
			});
			await post(
				"/webhooks/supabase",
				{},
				{ authorization: `Bearer ${TEST_SUPABASE_WEBHOOK_SECRET}x` },
			);
			const raw = server.lines.join("\n");
			expect(server.lines.length).toBeGreaterThan(7);
			for (const secret of [
				token,
				expired,
				TEST_API_KEY,
				TEST_JWT_SECRET,
				TEST_SUPABASE_WEBHOOK_SECRET,
			])
				expect(raw).not.toContain(secret);
		});
	},
);
