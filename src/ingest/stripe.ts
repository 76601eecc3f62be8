/** POST /webhooks/stripe: verify, then accept (stripe-accept.ts: normalize, store once), acknowledge after the commit. */
import { Hono } from "hono";
import { AppError } from "../core/index.ts";
import { type AppEnv, readBody } from "../http/index.ts";
import type { Metrics } from "../observability/index.ts";
import type { Db } from "../store/index.ts";
import { isJsonContentType } from "./json-shape.ts";
import { acceptStripeEvent } from "./stripe-accept.ts";
import { verifyStripeEvent } from "./stripe-signature.ts";
import {
	countSignatureFailure,
	countWebhookFailures,
} from "./webhook-failures.ts";

export const STRIPE_MAX_BODY_BYTES = 512 * 1024;

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
			countSignatureFailure(c, deps.metrics, "stripe");
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
		const accepted = await acceptStripeEvent(
			deps,
			verified.value,
			raw.toString("utf8"),
			{
				correlationId: c.get("requestId"),
				log: c.get("log"),
				via: "webhook",
				started,
			},
		);
		return c.json({
			received: true,
			duplicate: accepted.duplicate,
			event_id: accepted.id,
		});
	});
	return app;
}
