/** Turning what rules ask for into delivery rows, inside the caller's transaction. */
import type { DeliveryIntent } from "../core/index.ts";
import { type Db, insertDelivery } from "../store/index.ts";

export interface EnqueueContext {
	eventId: string | null;
	customerId: string | null;
}

/** Deterministic keys: the same intent from the same event is one delivery, however often it is enqueued. */
export function idempotencyKey(
	intent: DeliveryIntent,
	context: EnqueueContext,
): string {
	switch (intent.action) {
		case "crm_sync":
			return `hubspot:crm_sync:${context.customerId}:${context.eventId}`;
		case "create_ticket":
			return `zendesk:create_ticket:${intent.payload.ticket_id}`;
		case "add_comment":
			return `zendesk:add_comment:${intent.payload.ticket_id}:${context.eventId}`;
		case "notify":
			return `${intent.destination}:notify:${intent.payload.alert_id ?? context.eventId}:${intent.payload.kind}`;
	}
}

/** Inserts one delivery per intent; returns the ids of those that were new. */
export async function enqueue(
	tx: Db,
	intents: readonly DeliveryIntent[],
	context: EnqueueContext,
): Promise<string[]> {
	const ids: string[] = [];
	for (const intent of intents) {
		const id = await insertDelivery(tx, {
			destination: intent.destination,
			action: intent.action,
			idempotencyKey: idempotencyKey(intent, context),
			customerId: context.customerId,
			eventId: context.eventId,
			payload: intent.action === "crm_sync" ? {} : intent.payload,
		});
		if (id) ids.push(id);
	}
	return ids;
}
