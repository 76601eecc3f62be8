/**
 * What happens to a Stripe event once Plumb trusts where it came from: the envelope checked,
 * normalized, stored once by its id, the event workers woken. The webhook route (after the
 * signature) and reconcile (events read from Stripe's API) both go through here, and only here.
 */
import { z } from "zod";
import { AppError, type EventType } from "../core/index.ts";
import { LATEST_STORABLE_MS, refuseUnstorable } from "../http/index.ts";
import type { Logger, Metrics } from "../observability/index.ts";
import type { Db } from "../store/index.ts";
import { jsonDepth, MAX_JSON_DEPTH } from "./json-shape.ts";
import { notAnEnvelope, storeProviderEvent } from "./provider-event.ts";
import { normalizeStripeEvent } from "./stripe-normalize.ts";

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

export interface StripeAcceptDeps {
	db: Db;
	metrics: Metrics;
}

export interface AcceptedStripeEvent {
	/** Plumb's event id (the existing row's for a duplicate). */
	id: string;
	duplicate: boolean;
	type: EventType;
}

/**
 * Stores one trusted Stripe event. `value` is the parsed JSON and `text` the same JSON as it came
 * (stored as the payload, no second serialisation). Throws AppError (4xx) for what cannot be an event.
 */
export async function acceptStripeEvent(
	deps: StripeAcceptDeps,
	value: unknown,
	text: string,
	context: {
		correlationId: string;
		log: Logger;
		/** How it arrived, for the log line. */
		via: "webhook" | "reconcile";
		started?: number;
	},
): Promise<AcceptedStripeEvent> {
	const started = context.started ?? performance.now();
	if (jsonDepth(value) > MAX_JSON_DEPTH) {
		throw new AppError(
			"validation_failed",
			`JSON nested deeper than ${MAX_JSON_DEPTH} levels.`,
		);
	}
	refuseUnstorable(value, "body", text);
	const envelope = stripeEnvelopeSchema.safeParse(value);
	if (!envelope.success)
		throw notAnEnvelope("Not a Stripe event envelope.", envelope.error);
	const event = envelope.data;
	const canonical = normalizeStripeEvent(event);
	const version = canonical.version;
	const stored = await storeProviderEvent(
		deps,
		{
			source: "stripe",
			externalId: event.id,
			providerType: event.type,
			type: canonical.type,
			occurredAt: canonical.occurredAt,
			data: canonical.data,
			text,
			apiVersion: version.version,
		},
		{
			correlationId: context.correlationId,
			log: context.log,
			started,
			logFields: { via: context.via, stripe_type: event.type },
		},
	);
	if (!stored.duplicate && version.newer && version.version)
		deps.metrics.stripeUnknownApiVersions.inc({ version: version.version });
	return { id: stored.id, duplicate: stored.duplicate, type: canonical.type };
}
