/** POST /v1/events and GET /v1/requests/:id: the app submits intents and reads their status, never side effects. */
import { randomUUID } from "node:crypto";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../core/index.ts";
import type { AppEnv } from "../http/index.ts";
import { type Metrics, personHash, userHash } from "../observability/index.ts";
import {
	type Db,
	getIntentStatus,
	storeIntent,
	takeCallerToken,
	wakeEventWorkers,
} from "../store/index.ts";
import {
	type Caller,
	type CallerAuthSettings,
	createAuthenticator,
} from "./auth.ts";
import { intentEventData } from "./intent-normalize.ts";
import {
	fieldErrors,
	intentBodySchema,
	requestHash,
} from "./intent-schemas.ts";
import { readJsonBody } from "./json-body.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { requestStatus, statusSentence } from "./request-status.ts";

export const INTENT_MAX_BODY_BYTES = 64 * 1024;

/** Like Stripe's: printable ASCII without spaces, up to 255 characters (a UUID is typical). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** What the /v1 routes need from the configuration. */
export interface IntentsApiSettings {
	readonly auth: CallerAuthSettings;
	/** POST /v1/events per end user, across every process (PLUMB_INTENT_RATE_PER_MINUTE). */
	readonly userRatePerMinute: number;
	/** POST /v1/events per API key, across every process (PLUMB_INTENT_KEY_RATE_PER_MINUTE). */
	readonly keyRatePerMinute: number;
}

export interface IntentsApiDeps {
	settings: IntentsApiSettings;
	db: Db;
	metrics: Metrics;
	now: () => number;
	/** Fetches the Supabase JWKS; the global fetch by default. */
	fetch?: typeof fetch;
}

/** Logs name callers by a keyed hash (per install): enough to follow one caller, not enough to name the user. */
function callerTag(caller: Caller): string {
	return caller.kind === "api_key" ? caller.id : `user:${userHash(caller.sub)}`;
}

/** The `/v1` routes; mount with `app.route("/v1", intentsApi(deps))`. */
export function intentsApi(deps: IntentsApiDeps): Hono<AppEnv> {
	const app = new Hono<AppEnv>();
	const authenticate = createAuthenticator({
		settings: deps.settings.auth,
		now: deps.now,
		...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
	});
	const limiter = createRateLimiter({ now: deps.now });

	/** The caller, or an AppError: nothing past this line runs for a refused credential. */
	async function requireCaller(c: Context<AppEnv>): Promise<Caller> {
		const result = await authenticate(c.req.header("authorization"));
		if (result.ok) return result.value;
		c.var.log.warn(
			{ step: "auth", source: "app", outcome: result.error.reason },
			"intent caller refused",
		);
		throw new AppError(
			result.error.status === 503 ? "service_unavailable" : "unauthorized",
			result.error.message,
		);
	}

	app.post(
		"/events",
		async (c, next) => {
			// Every refusal of an intent is counted by its error code (a dashboard sees a broken client).
			await next();
			if (c.error instanceof AppError)
				deps.metrics.intentsRejected.inc({ reason: c.error.code });
		},
		bodyLimit({
			maxSize: INTENT_MAX_BODY_BYTES,
			onError: () => {
				throw new AppError(
					"payload_too_large",
					"Intent bodies are limited to 64 KiB.",
				);
			},
		}),
		async (c) => {
			const started = performance.now();
			const caller = await requireCaller(c);
			const rate =
				caller.kind === "user"
					? deps.settings.userRatePerMinute
					: deps.settings.keyRatePerMinute;
			// This process's bucket first: a flood is refused without touching the database. Then the
			// bucket every process shares, so N serve processes still allow the caller one rate.
			const local = limiter.take(caller.id, rate);
			const decision = local.allowed
				? await takeCallerToken(deps.db, caller.id, rate, deps.now())
				: local;
			if (!decision.allowed) {
				c.header("Retry-After", String(decision.retryAfterSeconds));
				throw new AppError(
					"rate_limited",
					"Too many requests from this caller; retry after the Retry-After delay.",
				);
			}
			const key = c.req.header("idempotency-key");
			if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
				throw new AppError(
					"validation_failed",
					"Invalid Idempotency-Key header.",
					{
						details: [
							{
								field: "Idempotency-Key",
								message:
									"must be 1–255 printable ASCII characters without spaces",
							},
						],
					},
				);
			const body = await readJsonBody(c);
			const parsed = intentBodySchema.safeParse(body);
			if (!parsed.success)
				throw new AppError(
					"validation_failed",
					"The intent does not match its schema.",
					{
						details: fieldErrors(parsed.error),
					},
				);
			const canonical = intentEventData(parsed.data, caller);
			if (!canonical.ok)
				throw new AppError(canonical.error.code, canonical.error.message, {
					...(canonical.error.details === undefined
						? {}
						: { details: canonical.error.details }),
				});
			const stored = await storeIntent(
				deps.db,
				{
					type: canonical.value.type,
					source: "app",
					// Caller-scoped: two users who pick the same key never meet; no key, no deduplication.
					externalId: key === undefined ? randomUUID() : `${caller.id}:${key}`,
					occurredAt: new Date(deps.now()),
					correlationId: c.var.requestId,
					data: canonical.value.data,
					payload: body,
				},
				{
					caller: caller.id,
					idempotencyKey: key,
					requestHash: requestHash(body),
				},
			);
			// Committed: tell the event workers now rather than at their next poll.
			wakeEventWorkers(deps.db);
			c.var.log.info(
				{
					step: "ingest",
					source: "app",
					event_type: canonical.value.type,
					event_id: stored.id,
					caller: callerTag(caller),
					user_hash: personHash(canonical.value.data.customer),
					outcome: stored.kind,
					latency_ms: Math.round(performance.now() - started),
				},
				"intent handled",
			);
			if (stored.kind === "conflict")
				throw new AppError(
					"idempotency_key_reused",
					"This Idempotency-Key was already used with a different body.",
				);
			if (stored.kind === "replayed") {
				deps.metrics.duplicatesSuppressed.inc({ source: "app" });
				c.header("Idempotent-Replayed", "true");
			} else {
				deps.metrics.eventsReceived.inc({
					source: "app",
					type: canonical.value.type,
				});
			}
			// The first answer, every time: a replay gets the same id and the same 202.
			return c.json(
				{
					id: stored.id,
					status: "received",
					status_url: `/v1/requests/${stored.id}`,
				},
				202,
			);
		},
	);

	app.get("/requests/:id", async (c) => {
		const caller = await requireCaller(c);
		const row = await getIntentStatus(deps.db, c.req.param("id"), caller.id);
		// Someone else's request and no request at all look the same.
		if (row === undefined) throw new AppError("not_found", "No such request.");
		const status = requestStatus(row);
		return c.json({
			id: row.id,
			type: row.type,
			status,
			message: statusSentence(row.type, status),
			received_at: row.received_at,
		});
	});
	return app;
}
