import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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
	startJwks,
	TEST_API_KEY,
	type TestJwks,
	userClaims,
} from "../../test/support/intents.ts";

const USER = "66666666-6666-4666-8666-666666666666";
const EMAIL = "matrix@example.com";
const CHAT = { type: "chat_started", data: { session_id: "s-1" } };

describe.each(backends)(
	"JWKS, audience and configuration on %s",
	(backend: Backend) => {
		let testDb: TestDb;
		let jwks: TestJwks;
		beforeAll(async () => {
			testDb = await freshDb(backend);
			jwks = await startJwks();
		});
		afterAll(async () => {
			await jwks.close();
			await testDb.dispose();
		});

		it("401 without credentials, 503 when no way to check callers is configured", async () => {
			const { app } = testApp(testDb.db, {
				env: intentEnv({ SUPABASE_JWKS_URL: jwks.url }),
			});
			expect(
				(await app.request("/v1/events", intentRequest(CHAT))).status,
			).toBe(401);
			expect((await app.request("/v1/requests/x")).status).toBe(401);
			const bare = testApp(testDb.db).app;
			const res = await bare.request(
				"/v1/events",
				intentRequest(CHAT, { token: TEST_API_KEY }),
			);
			expect(res.status).toBe(503);
		});

		it("checks the audience SUPABASE_JWT_AUDIENCE names", async () => {
			const { app } = testApp(testDb.db, {
				env: intentEnv({ SUPABASE_JWT_AUDIENCE: "plumb" }),
			});
			const send = async (aud: string | string[]) =>
				(
					await app.request(
						"/v1/events",
						intentRequest(CHAT, {
							token: await hs256Token(userClaims(USER, EMAIL, { aud })),
						}),
					)
				).status;
			expect(await send("authenticated")).toBe(401);
			expect(await send("plumb")).toBe(202);
			expect(await send(["authenticated", "plumb"])).toBe(202);
		});

		it("503, storing nothing, when the JWKS cannot be fetched", async () => {
			const dead = await startJwks();
			const token = await dead.sign(userClaims(USER, EMAIL));
			const url = dead.url;
			await dead.close();
			const { app } = testApp(testDb.db, {
				env: intentEnv({ SUPABASE_JWKS_URL: url }),
			});
			const before = await countRows(testDb.db, "events");
			const res = await app.request(
				"/v1/events",
				intentRequest(CHAT, { token }),
			);
			expect(res.status).toBe(503);
			expect(await countRows(testDb.db, "events")).toBe(before);
		});

		it("caches the JWKS and picks up a rotated key by its kid", async () => {
			const rotating = await startJwks();
			try {
				const { app } = testApp(testDb.db, {
					env: intentEnv({ SUPABASE_JWKS_URL: rotating.url }),
				});
				const send = async (token: string) =>
					(await app.request("/v1/events", intentRequest(CHAT, { token })))
						.status;
				expect(await send(await rotating.sign(userClaims(USER, EMAIL)))).toBe(
					202,
				);
				expect(await send(await rotating.sign(userClaims(USER, EMAIL)))).toBe(
					202,
				);
				expect(rotating.fetches()).toBe(1);
				const kid = await rotating.rotate();
				// Past jose's 30 s cooldown, an unknown kid refetches the set once.
				vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 31_000 });
				try {
					expect(
						await send(await rotating.sign(userClaims(USER, EMAIL), { kid })),
					).toBe(202);
					expect(rotating.fetches()).toBe(2);
					// The old key still verifies until Supabase revokes it.
					expect(
						await send(
							await rotating.sign(userClaims(USER, EMAIL), { kid: "key-1" }),
						),
					).toBe(202);
					expect(rotating.fetches()).toBe(2);
				} finally {
					vi.useRealTimers();
				}
			} finally {
				await rotating.close();
			}
		});
	},
);
