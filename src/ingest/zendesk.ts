/**
 * POST /webhooks/zendesk: verify Zendesk's webhook signature, then store a ticket's status change once
 * (solved or closed → `ticket_closed`, anything else → `ignored`). Nothing else happens here.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { AppError, err, ok, type Result } from "../core/index.ts";
import { type AppEnv, storableDate } from "../http/index.ts";
import type { Metrics } from "../observability/index.ts";
import { type Db, storeEvent, wakeEventWorkers } from "../store/index.ts";
import { readJsonBody } from "./json-body.ts";
import {
	countSignatureFailure,
	countWebhookFailures,
} from "./webhook-failures.ts";

/** Zendesk's bodies here are a few hundred bytes; anything near this limit is not from our template. */
export const ZENDESK_MAX_BODY_BYTES = 256 * 1024;
/** Replay window, clamped on both sides (a future-skewed timestamp must not extend it). */
export const ZENDESK_TOLERANCE_SECONDS = 300;

export type ZendeskSignatureFailure =
	| "missing_signature"
	| "bad_timestamp"
	| "timestamp_out_of_range"
	| "bad_signature";

/**
 * developer.zendesk.com/documentation/webhooks/verifying (zendesk/NOTES.md):
 * signature = base64(HMAC-SHA256(secret, TIMESTAMP + BODY)), no separator, TIMESTAMP exactly as sent.
 */
export function verifyZendeskSignature(
	raw: Buffer,
	signature: string | undefined,
	timestamp: string | undefined,
	secrets: readonly string[],
	nowMs: number,
): Result<true, ZendeskSignatureFailure> {
	if (!signature || !timestamp) return err("missing_signature");
	const sentAt = Date.parse(timestamp);
	if (Number.isNaN(sentAt)) return err("bad_timestamp");
	if (Math.abs(nowMs - sentAt) > ZENDESK_TOLERANCE_SECONDS * 1000)
		return err("timestamp_out_of_range");
	// Compare the base64 text, not decoded bytes (lenient decoding would accept altered padding bits);
	// hashing both first makes the comparison constant-time whatever the lengths. Every secret is
	// tried (no early exit), so a rotation's old and new secret both verify.
	const given = createHash("sha256").update(signature.trim()).digest();
	let valid = false;
	for (const secret of secrets) {
		const expected = createHmac("sha256", secret)
			.update(timestamp)
			.update(raw)
			.digest("base64");
		valid =
			timingSafeEqual(given, createHash("sha256").update(expected).digest()) ||
			valid;
	}
	return valid ? ok(true) : err("bad_signature");
}

const id = z
	.union([z.string().regex(/^\d{1,20}$/), z.number().int().positive()])
	.transform(String);
const text = z.string().max(500);

/** The body docs/connectors.md asks for in the trigger's "Notify webhook" action (placeholders rendered). */
const triggerBodySchema = z.object({
	ticket_id: id,
	status: text.min(1),
	external_id: text.optional(),
	updated_at: text.optional(),
});

/** An event-subscribed webhook (`zen:event-type:ticket.status_changed`): Zendesk's own envelope. */
const eventBodySchema = z.object({
	type: z.literal("zen:event-type:ticket.status_changed"),
	id: text.min(1),
	time: text.optional(),
	detail: z.object({
		id,
		status: text.optional(),
		external_id: text.nullish(),
	}),
	event: z.object({ current: text.optional() }).optional(),
});

const CLOSED = new Set(["solved", "closed"]);

interface StatusChange {
	externalId: string;
	ticket: { ticket_id: string; status: string; external_id?: string };
	occurredAt: Date;
}

/**
 * The dedup key is stable per status change: Zendesk resends the same rendered body when it retries,
 * so (ticket, status, updated_at) names one change, while a ticket solved, reopened and solved again
 * is two. Without `updated_at` in the template, one row per ticket and status is kept.
 */
function statusChange(
	body: unknown,
	fallbackTime: Date,
): StatusChange | undefined {
	const event = eventBodySchema.safeParse(body);
	if (event.success) {
		const { detail } = event.data;
		const status = (
			event.data.event?.current ??
			detail.status ??
			""
		).toLowerCase();
		return {
			externalId: `event:${event.data.id}`,
			ticket: {
				ticket_id: detail.id,
				status,
				...(detail.external_id ? { external_id: detail.external_id } : {}),
			},
			occurredAt: dateOr(event.data.time, fallbackTime),
		};
	}
	const trigger = triggerBodySchema.safeParse(body);
	if (!trigger.success) return undefined;
	const { ticket_id, external_id, updated_at } = trigger.data;
	const status = trigger.data.status.trim().toLowerCase();
	return {
		externalId: `ticket:${ticket_id}:${status}:${updated_at?.trim() || "-"}`,
		ticket: {
			ticket_id,
			status,
			// {{ticket.external_id}} renders as "" when the ticket has none.
			...(external_id?.trim() ? { external_id: external_id.trim() } : {}),
		},
		occurredAt: dateOr(updated_at, fallbackTime),
	};
}

/** A time Zendesk rendered, or `fallback` when it is unreadable or outside years 1–9999. */
function dateOr(value: string | undefined, fallback: Date): Date {
	return (
		storableDate(value === undefined ? Number.NaN : Date.parse(value)) ??
		fallback
	);
}

/** What the Zendesk webhook needs from the configuration. */
export interface ZendeskWebhookSettings {
	/** ZENDESK_WEBHOOK_SECRET: one or more signing secrets (several during a rotation); none → 503. */
	readonly webhookSecrets: readonly string[];
}

export interface ZendeskWebhookDeps {
	settings: ZendeskWebhookSettings;
	db: Db;
	metrics: Metrics;
	now: () => number;
}

export function zendeskWebhook(deps: ZendeskWebhookDeps): Hono<AppEnv> {
	const app = new Hono<AppEnv>();
	app.use("*", countWebhookFailures(deps, "zendesk"));
	app.post(
		"/",
		bodyLimit({
			maxSize: ZENDESK_MAX_BODY_BYTES,
			onError: () => {
				throw new AppError(
					"payload_too_large",
					"Zendesk webhook bodies are limited to 256 KiB.",
				);
			},
		}),
		async (c) => {
			const started = performance.now();
			const secrets = deps.settings.webhookSecrets;
			if (secrets.length === 0) {
				// 503 so Zendesk keeps retrying until the secret is set: nothing is lost, nothing is trusted.
				throw new AppError(
					"service_unavailable",
					"ZENDESK_WEBHOOK_SECRET is not set; Plumb cannot verify Zendesk webhooks.",
				);
			}
			const raw = Buffer.from(await c.req.arrayBuffer());
			const timestamp = c.req.header("x-zendesk-webhook-signature-timestamp");
			const verified = verifyZendeskSignature(
				raw,
				c.req.header("x-zendesk-webhook-signature"),
				timestamp,
				secrets,
				deps.now(),
			);
			if (!verified.ok) {
				countSignatureFailure(c, deps.metrics, "zendesk");
				c.var.log.warn(
					{ step: "verify", source: "zendesk", outcome: verified.error },
					"zendesk signature refused",
				);
				throw new AppError(
					"invalid_signature",
					"Missing, invalid or expired X-Zendesk-Webhook-Signature.",
				);
			}
			const body = await readJsonBody(c);
			const change = statusChange(
				body,
				new Date(Date.parse(timestamp ?? "") || deps.now()),
			);
			if (change === undefined) {
				throw new AppError(
					"validation_failed",
					"Not a ticket status change: send {ticket_id, status, external_id, updated_at} (see docs/connectors.md, Zendesk).",
				);
			}
			const type = CLOSED.has(change.ticket.status)
				? "ticket_closed"
				: "ignored";
			const stored = await storeEvent(deps.db, {
				type,
				source: "zendesk",
				externalId: change.externalId,
				occurredAt: change.occurredAt,
				correlationId: c.var.requestId,
				data: {
					ticket: change.ticket,
					provider: {
						event_type: "ticket.status_changed",
						object_id: change.ticket.ticket_id,
					},
				},
				payload: body,
			});
			// Committed: tell the event workers now rather than at their next poll.
			wakeEventWorkers(deps.db);
			if (stored.duplicate)
				deps.metrics.duplicatesSuppressed.inc({ source: "zendesk" });
			else deps.metrics.eventsReceived.inc({ source: "zendesk", type });
			c.var.log.info(
				{
					step: "ingest",
					source: "zendesk",
					event_type: type,
					event_id: stored.id,
					outcome: stored.duplicate ? "duplicate" : "stored",
					latency_ms: Math.round(performance.now() - started),
				},
				"zendesk event accepted",
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
