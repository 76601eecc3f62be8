/**
 * The one durable write of a trusted provider event (Stripe, RevenueCat, PayPal): the canonical event stored
 * once by the provider's own event id, the event workers woken, counted and logged. Nothing else.
 */
import type { Context } from "hono";
import type { z } from "zod";
import {
	AppError,
	type EventData,
	type EventSource,
	type EventType,
} from "../core/index.ts";
import type { AppEnv } from "../http/index.ts";
import {
	type Logger,
	type Metrics,
	personHash,
} from "../observability/index.ts";
import {
	type Db,
	JsonText,
	storeEvent,
	wakeEventWorkers,
} from "../store/index.ts";

export interface ProviderEvent {
	source: EventSource;
	/** The provider's id for the event: the dedup key, with the source. */
	externalId: string;
	/** The provider's own type, for the log line. */
	providerType: string;
	type: EventType;
	occurredAt: Date;
	data: EventData;
	/** The body exactly as it came, stored as the payload (no second serialisation). */
	text: string;
	/** The provider's API version the payload was sent in, when it says (Stripe). */
	apiVersion?: string | null | undefined;
}

export async function storeProviderEvent(
	deps: { db: Db; metrics: Metrics },
	event: ProviderEvent,
	context: {
		correlationId: string;
		log: Logger;
		started: number;
		/** More fields for the log line (how it arrived, the provider's own names). */
		logFields?: Record<string, unknown>;
	},
): Promise<{ id: string; duplicate: boolean }> {
	const stored = await storeEvent(deps.db, {
		type: event.type,
		source: event.source,
		externalId: event.externalId,
		occurredAt: event.occurredAt,
		correlationId: context.correlationId,
		data: event.data,
		payload: new JsonText(event.text),
		apiVersion: event.apiVersion,
	});
	// Committed: tell the event workers now rather than at their next poll.
	wakeEventWorkers(deps.db);
	if (stored.duplicate)
		deps.metrics.duplicatesSuppressed.inc({ source: event.source });
	else
		deps.metrics.eventsReceived.inc({ source: event.source, type: event.type });
	context.log.info(
		{
			step: "ingest",
			source: event.source,
			...context.logFields,
			event_type: event.type,
			provider_type: event.providerType,
			event_id: stored.id,
			user_hash: personHash(event.data.customer),
			environment: event.data.provider?.environment,
			outcome: stored.duplicate ? "duplicate" : "stored",
			latency_ms: Math.round(performance.now() - context.started),
		},
		`${event.source} event accepted`,
	);
	return { id: stored.id, duplicate: stored.duplicate };
}

/** Stores a verified webhook's event and answers the provider: 200 with Plumb's id, duplicate or not. */
export async function acknowledgeProviderEvent(
	c: Context<AppEnv>,
	deps: { db: Db; metrics: Metrics },
	event: ProviderEvent,
	started: number,
): Promise<Response> {
	const stored = await storeProviderEvent(deps, event, {
		correlationId: c.var.requestId,
		log: c.var.log,
		started,
	});
	return c.json({
		received: true,
		duplicate: stored.duplicate,
		event_id: stored.id,
	});
}

/** 400 for a body that is not the provider's envelope, naming each field that is off. */
export function notAnEnvelope(message: string, error: z.ZodError): AppError {
	return new AppError("validation_failed", message, {
		details: error.issues.map((issue) => ({
			path: issue.path.join("."),
			message: issue.message,
		})),
	});
}
