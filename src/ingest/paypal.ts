/** POST /webhooks/paypal: verify PayPal's transmission signature (paypal-signature.ts), then store the event once by its id. */
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../core/index.ts";
import { type AppEnv, readBody } from "../http/index.ts";
import type { Metrics } from "../observability/index.ts";
import type { Db } from "../store/index.ts";
import { parseJsonText } from "./json-body.ts";
import { isJsonContentType } from "./json-shape.ts";
import type { PaypalCertificates } from "./paypal-certs.ts";
import { normalizePaypalEvent } from "./paypal-normalize.ts";
import { verifyPaypalDelivery } from "./paypal-signature.ts";
import { acknowledgeProviderEvent, notAnEnvelope } from "./provider-event.ts";
import {
	countSignatureFailure,
	countWebhookFailures,
} from "./webhook-failures.ts";

/** PayPal's events are a few KiB; anything near this is not one. */
export const PAYPAL_MAX_BODY_BYTES = 256 * 1024;

const envelopeSchema = z.object({
	id: z.string().regex(/^WH-[A-Za-z0-9-]{1,100}$/),
	event_type: z.string().min(1).max(200),
	create_time: z.string().max(100).optional(),
	resource: z.custom<Record<string, unknown>>(
		(value) =>
			typeof value === "object" && value !== null && !Array.isArray(value),
		{ message: "resource must be an object" },
	),
});

/** What the PayPal webhook needs from the configuration. */
export interface PaypalWebhookSettings {
	/** PAYPAL_WEBHOOK_ID: part of every signed message; unset → 503. */
	readonly webhookId: string | undefined;
}

export interface PaypalWebhookDeps {
	settings: PaypalWebhookSettings;
	db: Db;
	metrics: Metrics;
	/** PayPal's signing certificates: fetched from PayPal's hosts only, and cached. */
	certificates: PaypalCertificates;
	now: () => number;
}

export function paypalWebhook(deps: PaypalWebhookDeps): Hono<AppEnv> {
	const app = new Hono<AppEnv>();
	app.use("*", countWebhookFailures(deps, "paypal"));
	app.post("/", async (c) => {
		const started = performance.now();
		const webhookId = deps.settings.webhookId;
		if (!webhookId) {
			// 503 so PayPal keeps retrying until the id is set: nothing is lost, nothing is trusted.
			throw new AppError(
				"service_unavailable",
				"PAYPAL_WEBHOOK_ID is not set; Plumb cannot verify PayPal webhooks.",
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
			PAYPAL_MAX_BODY_BYTES,
			"PayPal webhook bodies are limited to 256 KiB.",
		);
		const nowMs = deps.now();
		const verified = await verifyPaypalDelivery(
			raw,
			{
				id: c.req.header("paypal-transmission-id"),
				time: c.req.header("paypal-transmission-time"),
				signature: c.req.header("paypal-transmission-sig"),
				certUrl: c.req.header("paypal-cert-url"),
				algorithm: c.req.header("paypal-auth-algo"),
			},
			webhookId,
			deps.certificates,
			nowMs,
		);
		if (!verified.ok) {
			countSignatureFailure(c, deps.metrics, "paypal");
			c.var.log.warn(
				{ step: "verify", source: "paypal", outcome: verified.error },
				"paypal signature refused",
			);
			throw new AppError(
				"invalid_signature",
				"Missing, invalid or expired PayPal transmission signature.",
			);
		}
		const text = raw.toString("utf8");
		const body = parseJsonText(text);
		const envelope = envelopeSchema.safeParse(body);
		if (!envelope.success)
			throw notAnEnvelope("Not a PayPal webhook event.", envelope.error);
		const event = envelope.data;
		const canonical = normalizePaypalEvent(event, new Date(nowMs));
		return acknowledgeProviderEvent(
			c,
			deps,
			{
				source: "paypal",
				externalId: event.id,
				providerType: event.event_type,
				...canonical,
				text,
			},
			started,
		);
	});
	return app;
}
