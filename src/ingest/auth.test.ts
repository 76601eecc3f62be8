import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import {
	bearer,
	countRows,
	hs256Token,
	intentEnv,
	intentRequest,
	startJwks,
	TEST_API_KEY,
	TEST_JWT_SECRET,
	type TestJwks,
	unsignedToken,
	userClaims,
} from "../../test/support/intents.ts";

const USER = "66666666-6666-4666-8666-666666666666";
const EMAIL = "matrix@example.com";
const ISSUER = "https://proj.supabase.co/auth/v1";
const CHAT = { type: "chat_started", data: { session_id: "s-1" } };

type Setup = "secret" | "jwks" | "both";

function tamper(token: string): string {
	const [header, payload, signature] = token.split(".");
	const claims = JSON.parse(
		Buffer.from(payload ?? "", "base64url").toString(),
	) as Record<string, unknown>;
	claims.sub = "77777777-7777-4777-8777-777777777777";
	return `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
}

describe.each(backends)(
	"JWT and API-key matrix on every /v1 route on %s",
	(backend: Backend) => {
		let testDb: TestDb;
		let jwks: TestJwks;
		const now = () => Math.floor(Date.now() / 1000);
		beforeAll(async () => {
			testDb = await freshDb(backend);
			jwks = await startJwks();
		});
		afterAll(async () => {
			await jwks.close();
			await testDb.dispose();
		});

		function appFor(setup: Setup) {
			const env = intentEnv({ SUPABASE_JWT_ISSUER: ISSUER });
			if (setup === "jwks") delete env.SUPABASE_JWT_SECRET;
			if (setup !== "secret") env.SUPABASE_JWKS_URL = jwks.url;
			return testApp(testDb.db, { env });
		}

		const CASES: Array<
			[string, Setup, () => Promise<string>, 202 | 401, string]
		> = [
			[
				"valid HS256",
				"secret",
				() => hs256Token(userClaims(USER, EMAIL)),
				202,
				"ok",
			],
			[
				"valid ES256 from the JWKS",
				"jwks",
				() => jwks.sign(userClaims(USER, EMAIL)),
				202,
				"ok",
			],
			[
				"valid ES256 with both configured",
				"both",
				() => jwks.sign(userClaims(USER, EMAIL)),
				202,
				"ok",
			],
			[
				"valid HS256 with both configured",
				"both",
				() => hs256Token(userClaims(USER, EMAIL)),
				202,
				"ok",
			],
			[
				"a role claim in user_metadata (valid, grants nothing)",
				"secret",
				() =>
					hs256Token(
						userClaims(USER, EMAIL, {
							user_metadata: { role: "admin" },
							role: "service_role",
						}),
					),
				202,
				"ok",
			],
			[
				"expired",
				"secret",
				() => hs256Token(userClaims(USER, EMAIL, { exp: now() - 60 })),
				401,
				"expired",
			],
			[
				"expired ES256",
				"jwks",
				() => jwks.sign(userClaims(USER, EMAIL, { exp: now() - 60 })),
				401,
				"expired",
			],
			[
				"nbf in the future",
				"secret",
				() => hs256Token(userClaims(USER, EMAIL, { nbf: now() + 120 })),
				401,
				"claim_nbf",
			],
			[
				"wrong aud",
				"secret",
				() => hs256Token(userClaims(USER, EMAIL, { aud: "anon" })),
				401,
				"claim_aud",
			],
			[
				"no aud (a service key)",
				"secret",
				() =>
					hs256Token(
						userClaims(USER, EMAIL, { aud: undefined, role: "service_role" }),
					),
				401,
				"claim_aud",
			],
			[
				"wrong issuer",
				"secret",
				() =>
					hs256Token(
						userClaims(USER, EMAIL, {
							iss: "https://evil.supabase.co/auth/v1",
						}),
					),
				401,
				"claim_iss",
			],
			[
				"no sub",
				"secret",
				() => hs256Token(userClaims(USER, EMAIL, { sub: undefined })),
				401,
				"claim_sub",
			],
			[
				"alg none",
				"both",
				async () => unsignedToken(userClaims(USER, EMAIL)),
				401,
				"alg_not_allowed",
			],
			[
				"HS256 when only the JWKS is configured",
				"jwks",
				() => hs256Token(userClaims(USER, EMAIL)),
				401,
				"alg_not_allowed",
			],
			[
				"ES256 when only the secret is configured",
				"secret",
				() => jwks.sign(userClaims(USER, EMAIL)),
				401,
				"alg_not_allowed",
			],
			[
				"an unknown kid",
				"jwks",
				() => jwks.signUnpublished(userClaims(USER, EMAIL)),
				401,
				"unknown_kid",
			],
			[
				"a tampered payload (HS256)",
				"secret",
				async () => tamper(await hs256Token(userClaims(USER, EMAIL))),
				401,
				"bad_signature",
			],
			[
				"a tampered payload (ES256)",
				"jwks",
				async () => tamper(await jwks.sign(userClaims(USER, EMAIL))),
				401,
				"bad_signature",
			],
			[
				"another project's secret",
				"secret",
				() => hs256Token(userClaims(USER, EMAIL), `${TEST_JWT_SECRET}-other`),
				401,
				"bad_signature",
			],
			["garbage", "both", async () => "not-a-token", 401, "malformed_token"],
			[
				"a wrong API key",
				"both",
				async () => `${TEST_API_KEY}x`,
				401,
				"malformed_token",
			],
		];

		it.each(CASES)(
			"POST /v1/events: %s (%s)",
			async (_name, setup, token, expected, reason) => {
				const { app, rawLogs, logs } = appFor(setup);
				const before = await countRows(testDb.db, "events");
				const credential = await token();
				const res = await app.request(
					"/v1/events",
					intentRequest(CHAT, { token: credential }),
				);
				expect(res.status).toBe(expected);
				expect(await countRows(testDb.db, "events")).toBe(
					before + (expected === 202 ? 1 : 0),
				);
				if (expected === 401) {
					expect(await res.json()).toMatchObject({ error: "unauthorized" });
					// Refused for the reason the case is about, not by accident.
					expect(logs().find((line) => line.step === "auth")).toMatchObject({
						outcome: reason,
					});
				}
				expect(rawLogs()).not.toContain(credential);
			},
		);

		it.each(CASES)(
			"GET /v1/requests/:id: %s (%s)",
			async (_name, setup, token, expected) => {
				const { app } = appFor(setup);
				// Submitted by the same user with a token this set-up accepts, so a 401 cannot be a 404 in disguise.
				const valid =
					setup === "jwks"
						? await jwks.sign(userClaims(USER, EMAIL))
						: await hs256Token(userClaims(USER, EMAIL));
				const submitted = await app.request(
					"/v1/events",
					intentRequest(CHAT, { token: valid }),
				);
				expect(submitted.status).toBe(202);
				const own = await submitted.json();
				const res = await app.request(
					`/v1/requests/${(own as { id: string }).id}`,
					bearer(await token()),
				);
				expect(res.status).toBe(expected === 202 ? 200 : 401);
			},
		);
	},
);
