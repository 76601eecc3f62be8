/** POST /webhooks/stripe: verify, normalize, store once, acknowledge after the commit. Nothing else. */
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../core/index.ts";
import {
	type AppEnv,
	LATEST_STORABLE_MS,
	readBody,
	refuseUnstorable,
} from "../http/index.ts";
import { type Metrics, personHash } from "../observability/index.ts";
import {
	type Db,
	JsonText,
	storeEvent,
	wakeEventWorkers,
} from "../store/index.ts";
import { isJsonContentType, jsonDepth, MAX_JSON_DEPTH } from "./json-shape.ts";
import { normalizeStripeEvent } from "./stripe-normalize.ts";
import { verifyStripeEvent } from "./stripe-signature.ts";
import { countWebhookFailures } from "./webhook-failures.ts";

export const STRIPE_MAX_BODY_BYTES = 512 * 1024;

/** The envelope fields Plumb relies on; Stripe adds fields over time, so others pass through. */
const stripeEnvelopeSchema = z.object({
	id: z.string().regex(/^evt_\w+$/),
	object: z.literal("event"),
	type: z.string().min(1).max(200),
	created: z
		.number()
		.int()
		.positive()
		.max(Math.floor(LATEST_STORABLE_MS / 1000)),
	livemode: z.boolean().optional(),
	// The version decides the payload's shape; a malformed one is read as "not stated", never refused.
	api_version: z.string().max(100).nullish().catch(null),
	// Checked as "an object", not key by key: Stripe objects are large and we read them in the normalizer.
	data: z.object({
		object: z.custom<Record<string, unknown>>(
			(value) =>
				typeof value === "object" && value !== null && !Array.isArray(value),
			{ message: "data.object must be an object" },
		),
	}),
});

/** What the Stripe webhook needs from the configuration. */
export interface StripeWebhookSettings {
	/** STRIPE_WEBHOOK_SECRET: one or more whsec_… secrets (several during a rotation); none → 503. */
	readonly webhookSecrets: readonly string[];
}

export interface StripeWebhookDeps {
	settings: StripeWebhookSettings;
	db: Db;
	metrics: Metrics;
	now: () => number;
}

export function stripeWebhook(deps: StripeWebhookDeps): Hono<AppEnv> {
	const app = new Hono<AppEnv>();
	app.use("*", countWebhookFailures(deps, "stripe"));
	app.post("/", async (c) => {
		const started = performance.now();
		const secrets = deps.settings.webhookSecrets;
		if (secrets.length === 0) {
			// 503 so Stripe keeps retrying until the secret is set: nothing is lost, nothing is trusted.
			throw new AppError(
				"service_unavailable",
				"STRIPE_WEBHOOK_SECRET is not set; Plumb cannot verify Stripe events.",
			);
		}
		if (!isJsonContentType(c.req.header("content-type"))) {
			throw new AppError(
				"unsupported_media_type",
				"Content-Type must be application/json.",
			);
		}
		const raw = await readBody(
			c,
			STRIPE_MAX_BODY_BYTES,
			"Stripe webhook bodies are limited to 512 KiB.",
		);
		const verified = verifyStripeEvent(
			raw,
			c.req.header("stripe-signature"),
			secrets,
			deps.now(),
		);
		if (!verified.ok && verified.error !== "invalid_json") {
			deps.metrics.signatureFailures.inc({ source: "stripe" });
			c.get("log").warn(
				{ step: "verify", source: "stripe", outcome: verified.error },
				"stripe signature refused",
			);
			throw new AppError(
				"invalid_signature",
				"Missing, invalid or expired Stripe-Signature.",
			);
		}
		if (!verified.ok)
			throw new AppError("invalid_json", "The body is not valid JSON.");
		if (jsonDepth(verified.value) > MAX_JSON_DEPTH) {
			throw new AppError(
				"validation_failed",
				`JSON nested deeper than ${MAX_JSON_DEPTH} levels.`,
			);
		}
		const text = raw.toString("utf8");
		refuseUnstorable(verified.value, "body", text);
		const envelope = stripeEnvelopeSchema.safeParse(verified.value);
		if (!envelope.success) {
			throw new AppError("validation_failed", "Not a Stripe event envelope.", {
				details: envelope.error.issues.map((issue) => ({
					path: issue.path.join("."),
					message: issue.message,
				})),
			});
		}
		const event = envelope.data;
		const canonical = normalizeStripeEvent(event);
		const version = canonical.version;
		const stored = await storeEvent(deps.db, {
			type: canonical.type,
			source: "stripe",
			externalId: event.id,
			occurredAt: canonical.occurredAt,
			correlationId: c.get("requestId"),
			data: canonical.data,
			// The verified bytes as they came (already valid JSON): no second serialisation.
			payload: new JsonText(text),
			apiVersion: version.version,
		});
		// Committed: tell the event workers now rather than at their next poll.
		wakeEventWorkers(deps.db);
		if (stored.duplicate)
			deps.metrics.duplicatesSuppressed.inc({ source: "stripe" });
		else {
			deps.metrics.eventsReceived.inc({
				source: "stripe",
				type: canonical.type,
			});
			if (version.newer && version.version)
				deps.metrics.stripeUnknownApiVersions.inc({ version: version.version });
		}
		c.get("log").info(
			{
				step: "ingest",
				source: "stripe",
				event_type: canonical.type,
				stripe_type: event.type,
				event_id: stored.id,
				user_hash: personHash(canonical.data.customer),
				outcome: stored.duplicate ? "duplicate" : "stored",
				latency_ms: Math.round(performance.now() - started),
			},
			"stripe event accepted",
		);
		return c.json({
			received: true,
			duplicate: stored.duplicate,
			event_id: stored.id,
		});
	});
	return app;
}
