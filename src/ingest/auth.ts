/**
 * Who may call /v1: an end user with a Supabase access token (JWT), or a server with an API key.
 * Nothing else, and nothing in a body or a claim can make a caller more than that.
 */
import { createHash } from "node:crypto";
import {
	createRemoteJWKSet,
	customFetch,
	decodeProtectedHeader,
	errors,
	type JWTPayload,
	type JWTVerifyOptions,
	jwtVerify,
} from "jose";
import { err, ok, type Result } from "../core/index.ts";
import { bearerToken, safeEqual } from "../http/index.ts";

/**
 * - user: a Supabase user; `sub` is the auth user id, `email` the auth profile's (which owns it).
 * - api_key: a server (a chatbot backend, an Edge Function) that may name the customer in the body.
 * `id` scopes idempotency keys and request lookups: `user:<sub, percent-encoded>` or `key:<hash prefix>`,
 * never a raw key.
 */
export type Caller =
	| { kind: "user"; id: string; sub: string; email: string | undefined }
	| { kind: "api_key"; id: string };

/** 401 for anything about the credential; 503 when Plumb cannot check it right now (no config, JWKS down). */
export interface AuthFailure {
	status: 401 | 503;
	/** A short reason for logs and the rejection counter; never the credential. */
	reason: string;
	message: string;
}

export type Authenticate = (
	authorization: string | undefined,
) => Promise<Result<Caller, AuthFailure>>;

/** How callers are checked: Supabase access tokens (SUPABASE_JWT_*) and API keys (PLUMB_API_KEYS). */
export interface CallerAuthSettings {
	readonly supabase: {
		/** HS256 only, used as its UTF-8 bytes. */
		readonly jwtSecret: string | undefined;
		/** ES256 / RS256 only. */
		readonly jwksUrl: string | undefined;
		/** Checked against `iss` when set. */
		readonly jwtIssuer: string | undefined;
		/** Required `aud`. */
		readonly jwtAudience: string;
	};
	readonly apiKeys: readonly string[];
}

export interface AuthenticatorDeps {
	settings: CallerAuthSettings;
	/** Milliseconds since the epoch, for `exp` and `nbf`. */
	now: () => number;
	/** Used to fetch the JWKS; the global fetch by default. */
	fetch?: typeof fetch;
}

/** Tokens minted by a server whose clock is a little ahead still verify; an hour-long token loses nothing. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** Supabase signs with HS256 (legacy JWT secret) or with ES256 / RS256 signing keys published as a JWKS. */
const ASYMMETRIC = new Set(["ES256", "RS256"]);

const unauthorized = (reason: string, message: string) =>
	err<AuthFailure>({ status: 401, reason, message });

/**
 * Builds the checker once per app, so the JWKS cache lives as long as the process.
 *
 * Algorithms are pinned by configuration, never chosen by the token: HS256 only with
 * SUPABASE_JWT_SECRET, ES256/RS256 only with SUPABASE_JWKS_URL (`alg: none`, or HS256 against a JWKS —
 * the public-key-as-HMAC-secret confusion — are refused). The JWKS is fetched from
 * `https://<project>.supabase.co/auth/v1/.well-known/jwks.json` and cached (10 min); a token with an
 * unknown `kid` refetches it at most every 30 s, which is how Supabase key rotation is picked up
 * (https://supabase.com/docs/guides/auth/signing-keys). Claims checked: `exp`, `nbf`, `aud`
 * (SUPABASE_JWT_AUDIENCE, default `authenticated`), `iss` when SUPABASE_JWT_ISSUER is set
 * (`https://<project>.supabase.co/auth/v1`), and a `sub` (https://supabase.com/docs/guides/auth/jwt-fields).
 * `role`, `app_metadata` and `user_metadata` are ignored: they grant nothing here.
 */
export function createAuthenticator(deps: AuthenticatorDeps): Authenticate {
	const { supabase, apiKeys } = deps.settings;
	// Supabase's legacy JWT secret is used as its UTF-8 bytes, not base64-decoded.
	const secret =
		supabase.jwtSecret === undefined
			? undefined
			: new TextEncoder().encode(supabase.jwtSecret);
	const jwks =
		supabase.jwksUrl === undefined
			? undefined
			: createRemoteJWKSet(new URL(supabase.jwksUrl), {
					...(deps.fetch === undefined ? {} : { [customFetch]: deps.fetch }),
				});
	const keys = apiKeys.map((key) => ({ key, id: apiKeyId(key) }));
	const claims = (): JWTVerifyOptions => ({
		audience: supabase.jwtAudience,
		...(supabase.jwtIssuer === undefined ? {} : { issuer: supabase.jwtIssuer }),
		currentDate: new Date(deps.now()),
		clockTolerance: CLOCK_TOLERANCE_SECONDS,
		requiredClaims: ["sub", "exp"],
	});

	async function verifyUserToken(
		token: string,
	): Promise<Result<Caller, AuthFailure>> {
		let alg: string | undefined;
		try {
			alg = decodeProtectedHeader(token).alg;
		} catch {
			return unauthorized(
				"malformed_token",
				"The bearer token is neither an API key nor a JWT.",
			);
		}
		try {
			let payload: JWTPayload;
			if (alg === "HS256" && secret !== undefined) {
				payload = (
					await jwtVerify(token, secret, { ...claims(), algorithms: ["HS256"] })
				).payload;
			} else if (
				alg !== undefined &&
				ASYMMETRIC.has(alg) &&
				jwks !== undefined
			) {
				payload = (
					await jwtVerify(token, jwks, {
						...claims(),
						algorithms: [...ASYMMETRIC],
					})
				).payload;
			} else {
				return unauthorized(
					"alg_not_allowed",
					"This token's algorithm is not accepted here.",
				);
			}
			const sub = payload.sub;
			if (typeof sub !== "string" || sub.trim() === "" || sub.length > 200)
				return unauthorized("invalid_claims", "The token has no usable sub.");
			const email =
				typeof payload.email === "string" && payload.email.trim() !== ""
					? payload.email.trim().toLowerCase()
					: undefined;
			// Percent-encoded so the id holds no ":" of its own: `<caller id>:<idempotency key>` stays unambiguous.
			return ok({
				kind: "user",
				id: `user:${encodeURIComponent(sub)}`,
				sub,
				email,
			});
		} catch (error) {
			return err(classify(error));
		}
	}

	return async (authorization) => {
		if (secret === undefined && jwks === undefined && keys.length === 0) {
			return err({
				status: 503,
				reason: "not_configured",
				message:
					"Set SUPABASE_JWT_SECRET, SUPABASE_JWKS_URL or PLUMB_API_KEYS; Plumb cannot check callers.",
			});
		}
		const token = bearerToken(authorization);
		if (token === undefined)
			return unauthorized(
				"missing_credentials",
				"Send Authorization: Bearer <Supabase access token or API key>.",
			);
		// Every key is compared, always, so the time taken says nothing about which one came close.
		let matched: string | undefined;
		for (const candidate of keys) {
			const equal = safeEqual(token, candidate.key);
			if (equal && matched === undefined) matched = candidate.id;
		}
		if (matched !== undefined) return ok({ kind: "api_key", id: matched });
		if (secret === undefined && jwks === undefined)
			return unauthorized("invalid_api_key", "Unknown API key.");
		return verifyUserToken(token);
	};
}

/** A stable, non-reversible name for an API key: what intents record and logs show instead of the key. */
export function apiKeyId(key: string): string {
	return `key:${createHash("sha256").update(key).digest("hex").slice(0, 16)}`;
}

/** A verification failure as 401 (the token) or 503 (Plumb could not fetch or read the key set). */
function classify(error: unknown): AuthFailure {
	const unavailable =
		!(error instanceof errors.JOSEError) ||
		error instanceof errors.JWKSTimeout ||
		error instanceof errors.JWKSInvalid ||
		error.code === "ERR_JOSE_GENERIC";
	if (unavailable)
		return {
			status: 503,
			reason: "jwks_unavailable",
			message: "The signing keys cannot be fetched right now; retry later.",
		};
	const reason =
		error instanceof errors.JWTExpired
			? "expired"
			: error instanceof errors.JWTClaimValidationFailed
				? `claim_${error.claim}`
				: error instanceof errors.JWKSNoMatchingKey
					? "unknown_kid"
					: error instanceof errors.JWSSignatureVerificationFailed
						? "bad_signature"
						: "invalid_token";
	return {
		status: 401,
		reason,
		message: "The access token is invalid or expired.",
	};
}
