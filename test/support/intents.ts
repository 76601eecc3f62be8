/** App-intent test helpers: Supabase-like JWTs (HS256 and ES256 from a loopback JWKS), API keys, request builders. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import type { Db } from "../../src/store/index.ts";

export const TEST_JWT_SECRET = "test-supabase-jwt-secret-0123456789abcdef";
export const TEST_API_KEY = "plumb-test-api-key-0123456789abcdef";
export const TEST_SUPABASE_WEBHOOK_SECRET =
	"supabase-webhook-secret-0123456789";

/** The environment for intent tests: JWT secret, an API key and the Supabase webhook secret. */
export function intentEnv(
	extra: Record<string, string> = {},
): Record<string, string> {
	return {
		SUPABASE_JWT_SECRET: TEST_JWT_SECRET,
		PLUMB_API_KEYS: TEST_API_KEY,
		SUPABASE_WEBHOOK_SECRET: TEST_SUPABASE_WEBHOOK_SECRET,
		...extra,
	};
}

/** Claims shaped like a Supabase access token (https://supabase.com/docs/guides/auth/jwt-fields). */
export function userClaims(
	sub: string,
	email: string | undefined,
	overrides: Record<string, unknown> = {},
): JWTPayload {
	const now = Math.floor(Date.now() / 1000);
	return {
		iss: "https://proj.supabase.co/auth/v1",
		aud: "authenticated",
		sub,
		...(email === undefined ? {} : { email }),
		role: "authenticated",
		aal: "aal1",
		session_id: "5f3c2b1a-0000-4000-8000-000000000001",
		is_anonymous: false,
		app_metadata: { provider: "email" },
		user_metadata: {},
		iat: now,
		exp: now + 3600,
		...overrides,
	};
}

/** An HS256 token signed with the legacy JWT secret (as Supabase does: the secret's UTF-8 bytes). */
export async function hs256Token(
	claims: JWTPayload,
	secret = TEST_JWT_SECRET,
): Promise<string> {
	return new SignJWT(claims)
		.setProtectedHeader({ alg: "HS256", typ: "JWT" })
		.sign(new TextEncoder().encode(secret));
}

/** `alg: none`: a token anyone can make. */
export function unsignedToken(claims: JWTPayload): string {
	const part = (value: unknown) =>
		Buffer.from(JSON.stringify(value)).toString("base64url");
	return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

export interface TestJwks {
	/** `http://127.0.0.1:<port>/auth/v1/.well-known/jwks.json` */
	url: string;
	/** How many times the key set was fetched. */
	fetches: () => number;
	/** Signs with the current key (or the named one). */
	sign(claims: JWTPayload, options?: { kid?: string }): Promise<string>;
	/** Signs with a fresh key the JWKS does not publish. */
	signUnpublished(claims: JWTPayload): Promise<string>;
	/** Publishes a new current key beside the old one, as Supabase rotation does; returns its kid. */
	rotate(): Promise<string>;
	close(): Promise<void>;
}

type Key = Awaited<ReturnType<typeof generateKeyPair>>;

async function esKey(kid: string) {
	const pair: Key = await generateKeyPair("ES256", { extractable: true });
	const jwk = {
		...(await exportJWK(pair.publicKey)),
		kid,
		alg: "ES256",
		use: "sig",
	};
	return { kid, pair, jwk };
}

/** A JWKS endpoint on loopback with ES256 keys, like Supabase's signing keys. */
export async function startJwks(): Promise<TestJwks> {
	const keys = [await esKey("key-1")];
	let fetches = 0;
	const server: Server = createServer((req, res) => {
		if (req.url !== "/auth/v1/.well-known/jwks.json") {
			res.writeHead(404).end();
			return;
		}
		fetches += 1;
		res
			.writeHead(200, { "content-type": "application/json" })
			.end(JSON.stringify({ keys: keys.map((key) => key.jwk) }));
	});
	await new Promise<void>((resolve) =>
		server.listen(0, "127.0.0.1", () => resolve()),
	);
	const { port } = server.address() as AddressInfo;
	const signWith = (key: { kid: string; pair: Key }, claims: JWTPayload) =>
		new SignJWT(claims)
			.setProtectedHeader({ alg: "ES256", typ: "JWT", kid: key.kid })
			.sign(key.pair.privateKey);
	return {
		url: `http://127.0.0.1:${port}/auth/v1/.well-known/jwks.json`,
		fetches: () => fetches,
		sign(claims, options = {}) {
			const key =
				keys.find((k) => k.kid === options.kid) ?? keys[keys.length - 1];
			if (!key) throw new Error("no key");
			return signWith(key, claims);
		},
		async signUnpublished(claims) {
			return signWith(await esKey("key-unpublished"), claims);
		},
		async rotate() {
			const key = await esKey(`key-${keys.length + 1}`);
			keys.push(key);
			return key.kid;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** POST /v1/events init. */
export function intentRequest(
	body: unknown,
	options: {
		token?: string;
		idempotencyKey?: string;
		contentType?: string;
		raw?: string;
	} = {},
): RequestInit {
	const headers: Record<string, string> = {
		"content-type": options.contentType ?? "application/json",
	};
	if (options.token !== undefined)
		headers.authorization = `Bearer ${options.token}`;
	if (options.idempotencyKey !== undefined)
		headers["idempotency-key"] = options.idempotencyKey;
	return {
		method: "POST",
		headers,
		body: options.raw ?? JSON.stringify(body),
	};
}

/** GET init with a bearer token. */
export function bearer(token: string): RequestInit {
	return { headers: { authorization: `Bearer ${token}` } };
}

/** Rows in a plumb table (names are ours, never user input). */
export async function countRows(
	db: Db,
	table: "events" | "intents",
): Promise<number> {
	const [row] = await db.query<{ n: number }>(
		`select count(*)::int as n from plumb.${table}`,
	);
	return row?.n ?? -1;
}

/** A Database Webhook body for an auth.users INSERT, as pg_net sends it. */
export function authUserInsert(
	id: string,
	email: string,
	extra: Record<string, unknown> = {},
): Record<string, unknown> {
	return {
		type: "INSERT",
		table: "users",
		schema: "auth",
		record: {
			id,
			aud: "authenticated",
			role: "authenticated",
			email,
			phone: "",
			encrypted_password: "$2a$10$abcdefghijklmnopqrstuv",
			confirmation_token: "tok-should-not-be-stored",
			raw_user_meta_data: { full_name: "Ada Lovelace" },
			raw_app_meta_data: { provider: "email", providers: ["email"] },
			created_at: "2025-05-01T10:00:00.123456+00:00",
			updated_at: "2025-05-01T10:00:00.123456+00:00",
			...extra,
		},
		old_record: null,
	};
}
