/**
 * A Stripe object read from the API by `plumb backfill` (a customer, a subscription, a paid invoice)
 * stored as one historical event: normalized by the same code as a webhook of the matching type, kept
 * once by its object id (`backfill:<id>`), and marked `historical` so the rules make it state only.
 * Its time is when it was true: a paid invoice's payment time; for a customer or subscription, when
 * the list was read, so an event Stripe sent after that still wins over the snapshot and one sent
 * before it does not undo what the snapshot already shows.
 */
import { AppError } from "../core/index.ts";
import { refuseUnstorable } from "../http/index.ts";
import type { Metrics } from "../observability/index.ts";
import { type Db, JsonText, storeEvent } from "../store/index.ts";
import { STRIPE_API_VERSION } from "../stripe/index.ts";
import { jsonDepth, MAX_JSON_DEPTH } from "./json-shape.ts";
import { integer, record, text } from "./stripe-fields.ts";
import { normalizeStripeEvent } from "./stripe-normalize.ts";

/** The external id of an object's snapshot: one per object, so a second backfill stores nothing twice. */
export const snapshotExternalId = (objectId: string) => `backfill:${objectId}`;

/** Subscription statuses after which nothing more happens: the snapshot is a cancellation. */
const ENDED_SUBSCRIPTION = new Set(["canceled", "incomplete_expired"]);

/** The webhook type whose normalization reads this object, and the time (seconds) it is true as of. */
function snapshotOf(
	object: Record<string, unknown>,
	listedAtS: number,
): { stripeType: string; asOfS: number } {
	const kind = text(object, "object");
	if (kind === "customer")
		return { stripeType: "customer.updated", asOfS: listedAtS };
	if (kind === "subscription")
		return {
			stripeType: ENDED_SUBSCRIPTION.has(text(object, "status") ?? "")
				? "customer.subscription.deleted"
				: "customer.subscription.updated",
			asOfS: listedAtS,
		};
	if (kind === "invoice" && text(object, "status") === "paid")
		return {
			stripeType: "invoice.paid",
			asOfS:
				integer(record(object, "status_transitions"), "paid_at") ??
				integer(object, "created") ??
				listedAtS,
		};
	throw new AppError(
		"validation_failed",
		`A backfill takes customers, subscriptions and paid invoices, not ${kind ?? "an object without a type"}${kind === "invoice" ? ` with status ${text(object, "status") ?? "missing"}` : ""}.`,
	);
}

export interface StoredSnapshot {
	duplicate: boolean;
}

/**
 * Stores one object's snapshot. `listedAtS` is when its list page was asked for (seconds), and
 * `correlationId` the backfill run's. Throws AppError for an object that cannot be stored.
 */
export async function storeStripeSnapshot(
	deps: { db: Db; metrics: Metrics },
	object: Record<string, unknown>,
	context: { listedAtS: number; correlationId: string },
): Promise<StoredSnapshot> {
	const id = text(object, "id");
	if (id === undefined)
		throw new AppError("validation_failed", "A Stripe object without an id.");
	const json = JSON.stringify(object);
	if (jsonDepth(object) > MAX_JSON_DEPTH)
		throw new AppError(
			"validation_failed",
			`${id}: JSON nested deeper than ${MAX_JSON_DEPTH} levels.`,
		);
	refuseUnstorable(object, id, json);
	const { stripeType, asOfS } = snapshotOf(object, context.listedAtS);
	const canonical = normalizeStripeEvent({
		id: snapshotExternalId(id),
		type: stripeType,
		created: asOfS,
		livemode:
			typeof object.livemode === "boolean" ? object.livemode : undefined,
		// Plumb's client pins this version, so the object is in its shape.
		api_version: STRIPE_API_VERSION,
		data: { object },
	});
	const stored = await storeEvent(deps.db, {
		type: canonical.type,
		source: "stripe",
		externalId: snapshotExternalId(id),
		occurredAt: canonical.occurredAt,
		correlationId: context.correlationId,
		data: {
			...canonical.data,
			provider: {
				...canonical.data.provider,
				event_type: `backfill.${text(object, "object")}`,
				historical: true,
			},
		},
		payload: new JsonText(json),
		apiVersion: STRIPE_API_VERSION,
	});
	if (!stored.duplicate)
		deps.metrics.eventsReceived.inc({ source: "stripe", type: canonical.type });
	return { duplicate: stored.duplicate };
}
