/**
 * POST /webhooks/revenuecat: RevenueCat signs nothing; it sends the Authorization header value set in its
 * dashboard verbatim (revenuecat/webhooks.md). Compared in constant time against every configured value
 * (two during a rotation), then the event is normalized and stored once by its id. TEST events from the
 * dashboard's "send test event" are acknowledged and not stored.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { AppError } from "../core/index.ts";
import { type AppEnv, LATEST_STORABLE_MS, safeEqual } from "../http/index.ts";
import type { Metrics } from "../observability/index.ts";
import type { Db } from "../store/index.ts";
import { readJsonBody } from "./json-body.ts";
import { acknowledgeProviderEvent, notAnEnvelope } from "./provider-event.ts";
import { normalizeRevenueCatEvent } from "./revenuecat-normalize.ts";
import {
	countSignatureFailure,
	countWebhookFailures,
} from "./webhook-failures.ts";

/** RevenueCat's events are a few KiB; anything near this is not one. */
export const REVENUECAT_MAX_BODY_BYTES = 256 * 1024;

/** The fields Plumb relies on; RevenueCat adds fields and types without notice, so others pass through. */
const envelopeSchema = z.object({
	api_version: z.string().max(20).optional(),
	event: z.looseObject({
		id: z.string().min(1).max(200),
		type: z.string().min(1).max(100),
		event_timestamp_ms: z.number().int().positive().max(LATEST_STORABLE_MS),
	}),
});

/** What the RevenueCat webhook needs from the configuration. */
export interface RevenueCatWebhookSettings {
	/** REVENUECAT_WEBHOOK_AUTH: the Authorization header value(s) accepted; none → 503. */
	readonly authorizations: readonly string[];
}

export interface RevenueCatWebhookDeps {
	settings: RevenueCatWebhookSettings;
	db: Db;
	metrics: Metrics;
}

/** True when the header equals one of the accepted values; every value is compared (no early exit). */
export function revenueCatAuthorized(
	header: string | undefined,
	accepted: readonly string[],
): boolean {
	if (header === undefined) return false;
	let found = false;
	for (const value of accepted) found = safeEqual(header, value) || found;
	return found;
}

export function revenueCatWebhook(deps: RevenueCatWebhookDeps): Hono<AppEnv> {
	const app = new Hono<AppEnv>();
	app.use("*", countWebhookFailures(deps, "revenuecat"));
	app.post(
		"/",
		bodyLimit({
			maxSize: REVENUECAT_MAX_BODY_BYTES,
			onError: () => {
				throw new AppError(
					"payload_too_large",
					"RevenueCat webhook bodies are limited to 256 KiB.",
				);
			},
		}),
		async (c) => {
			const started = performance.now();
			const accepted = deps.settings.authorizations;
			if (accepted.length === 0) {
				// 503 so RevenueCat retries until the value is set: nothing is lost, nothing is trusted.
				throw new AppError(
					"service_unavailable",
					"REVENUECAT_WEBHOOK_AUTH is not set; Plumb cannot authenticate RevenueCat webhooks.",
				);
			}
			if (!revenueCatAuthorized(c.req.header("authorization"), accepted)) {
				countSignatureFailure(c, deps.metrics, "revenuecat");
				c.var.log.warn(
					{
						step: "verify",
						source: "revenuecat",
						outcome: "bad_authorization",
					},
					"revenuecat authorization refused",
				);
				throw new AppError(
					"unauthorized",
					"Missing or wrong Authorization header (the value set in RevenueCat's webhook settings).",
				);
			}
			const body = await readJsonBody(c);
			const envelope = envelopeSchema.safeParse(body);
			if (!envelope.success)
				throw notAnEnvelope(
					"Not a RevenueCat webhook: expected {api_version, event: {id, type, event_timestamp_ms, …}}.",
					envelope.error,
				);
			const event = envelope.data.event;
			if (event.type === "TEST") {
				c.var.log.info(
					{ step: "ingest", source: "revenuecat", outcome: "test_event" },
					"revenuecat test event acknowledged",
				);
				return c.json({ received: true, test: true });
			}
			const canonical = normalizeRevenueCatEvent(event);
			return acknowledgeProviderEvent(
				c,
				deps,
				{
					source: "revenuecat",
					externalId: event.id,
					providerType: event.type,
					...canonical,
					text: await c.req.text(),
				},
				started,
			);
		},
	);
	return app;
}
