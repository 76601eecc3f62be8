/**
 * POST /webhooks/supabase: a Supabase Database Webhook on `auth.users` INSERT becomes one `signup`,
 * stored once per auth user. Database Webhooks are not signed: the webhook is configured to send
 * `Authorization: Bearer <SUPABASE_WEBHOOK_SECRET>`, checked in constant time.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { AppError, type CustomerFacts } from "../core/index.ts";
import { type AppEnv, hasBearer, storableDate } from "../http/index.ts";
import { type Metrics, userHash } from "../observability/index.ts";
import {
	type Db,
	isUuid,
	storeEvent,
	wakeEventWorkers,
} from "../store/index.ts";
import { readJsonBody } from "./json-body.ts";
import {
	countSignatureFailure,
	countWebhookFailures,
} from "./webhook-failures.ts";

/** An auth.users row with generous user metadata is a few KiB; this leaves room without inviting abuse. */
export const SUPABASE_MAX_BODY_BYTES = 256 * 1024;

/**
 * The documented payload (supabase/supabase apps/docs/content/guides/database/webhooks.mdx):
 * `{type: "INSERT"|"UPDATE"|"DELETE", table, schema, record, old_record}`; `record` is the row as JSON.
 */
const envelopeSchema = z.object({
	type: z.enum(["INSERT", "UPDATE", "DELETE"]),
	table: z.string(),
	schema: z.string(),
	record: z.unknown(),
	old_record: z.unknown().optional(),
});

/** The auth.users columns Plumb reads; the table has more, and Supabase adds columns over time. */
const authUserSchema = z.object({
	id: z.string().refine(isUuid, { error: "must be a UUID" }),
	email: z.string().max(320).nullish(),
	phone: z.string().max(64).nullish(),
	created_at: z.string().max(64).nullish(),
	raw_user_meta_data: z.record(z.string(), z.unknown()).nullish(),
});
type AuthUser = z.infer<typeof authUserSchema>;

/** What the Supabase webhook needs from the configuration. */
export interface SupabaseWebhookSettings {
	/** SUPABASE_WEBHOOK_SECRET: the shared secret the webhook sends; unset → 503. */
	readonly webhookSecret: string | undefined;
}

export interface SupabaseWebhookDeps {
	settings: SupabaseWebhookSettings;
	db: Db;
	metrics: Metrics;
	now: () => number;
}

function metaText(
	meta: AuthUser["raw_user_meta_data"],
	key: string,
): string | undefined {
	const value = meta?.[key];
	return typeof value === "string" && value.trim() !== ""
		? value.trim().slice(0, 200)
		: undefined;
}

/** The customer as the auth profile knows it; the auth profile owns the e-mail (PRODUCT §3). */
function customerOf(user: AuthUser): CustomerFacts {
	const email = user.email?.trim().toLowerCase();
	const phone = user.phone?.trim();
	const name =
		metaText(user.raw_user_meta_data, "full_name") ??
		metaText(user.raw_user_meta_data, "name");
	return {
		app_user_id: user.id,
		...(email ? { email } : {}),
		...(phone ? { phone } : {}),
		...(name ? { name } : {}),
	};
}

export function supabaseWebhook(deps: SupabaseWebhookDeps): Hono<AppEnv> {
	const app = new Hono<AppEnv>();
	app.use("*", countWebhookFailures(deps, "supabase"));
	app.post(
		"/",
		bodyLimit({
			maxSize: SUPABASE_MAX_BODY_BYTES,
			onError: () => {
				throw new AppError(
					"payload_too_large",
					"Supabase webhook bodies are limited to 256 KiB.",
				);
			},
		}),
		async (c) => {
			const started = performance.now();
			const secret = deps.settings.webhookSecret;
			// 503, as for Stripe: nothing is trusted until the secret is set.
			if (secret === undefined)
				throw new AppError(
					"service_unavailable",
					"SUPABASE_WEBHOOK_SECRET is not set; Plumb cannot check Supabase webhooks.",
				);
			if (!hasBearer(c.req.header("authorization"), [secret])) {
				countSignatureFailure(c, deps.metrics, "supabase");
				c.var.log.warn(
					{ step: "verify", source: "supabase", outcome: "bad_secret" },
					"supabase webhook refused",
				);
				throw new AppError(
					"unauthorized",
					"Send Authorization: Bearer <SUPABASE_WEBHOOK_SECRET>.",
				);
			}
			const body = await readJsonBody(c);
			const envelope = envelopeSchema.safeParse(body);
			if (!envelope.success)
				throw new AppError(
					"validation_failed",
					"Not a Supabase Database Webhook payload.",
				);
			const { type, table, schema } = envelope.data;
			// A webhook on another table is a set-up mistake: say so, so it shows in Supabase's pg_net log.
			if (schema !== "auth" || table !== "users")
				throw new AppError(
					"validation_failed",
					"Plumb takes Database Webhooks on auth.users only.",
				);
			if (type !== "INSERT") {
				// Profile changes and deletions carry no event id to store once by; acknowledged, not stored.
				c.var.log.info(
					{
						step: "ingest",
						source: "supabase",
						outcome: "ignored",
						webhook_type: type,
					},
					"supabase webhook ignored",
				);
				return c.json({ received: true, ignored: true });
			}
			const user = authUserSchema.safeParse(envelope.data.record);
			if (!user.success)
				throw new AppError(
					"validation_failed",
					"record is not an auth.users row.",
					{
						details: user.error.issues.map((issue) => ({
							field: ["record", ...issue.path].join("."),
							message: issue.message,
						})),
					},
				);
			const created = storableDate(
				user.data.created_at ? Date.parse(user.data.created_at) : Number.NaN,
			);
			const stored = await storeEvent(deps.db, {
				type: "signup",
				source: "supabase",
				// One signup per auth user, however often the webhook fires.
				externalId: `auth.users:${user.data.id}`,
				occurredAt: created ?? new Date(deps.now()),
				correlationId: c.var.requestId,
				data: { customer: customerOf(user.data) },
				// Only what Plumb reads: auth.users also holds password hashes and one-time tokens.
				payload: { type, table, schema, record: user.data },
			});
			// Committed: tell the event workers now rather than at their next poll.
			wakeEventWorkers(deps.db);
			if (stored.duplicate)
				deps.metrics.duplicatesSuppressed.inc({ source: "supabase" });
			else
				deps.metrics.eventsReceived.inc({ source: "supabase", type: "signup" });
			c.var.log.info(
				{
					step: "ingest",
					source: "supabase",
					event_type: "signup",
					event_id: stored.id,
					// The auth user's id is the app's user id (the JWT `sub`).
					user_hash: userHash(user.data.id),
					outcome: stored.duplicate ? "duplicate" : "stored",
					latency_ms: Math.round(performance.now() - started),
				},
				"supabase signup accepted",
			);
			return c.json({
				received: true,
				duplicate: stored.duplicate,
				event_id: stored.id,
			});
		},
	);
	return app;
}
