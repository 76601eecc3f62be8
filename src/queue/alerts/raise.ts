/**
 * Raising an alert: one row per episode (at most one open per dedupe key) and, when it is new, its
 * notice to Slack and e-mail as deliveries, in the caller's transaction.
 */
import { DESTINATION_NAMES, type Notification } from "../../core/index.ts";
import {
	type Db,
	type NewAlert,
	openAlert,
	type SettledDelivery,
} from "../../store/index.ts";
import { type EnqueueContext, enqueue } from "../enqueue.ts";

/**
 * Queues one notice to Slack and one to e-mail. Unconfigured destinations are recorded as skipped
 * by the queue, never lost.
 */
export async function queueNotice(
	tx: Db,
	payload: Notification,
	context: EnqueueContext,
): Promise<void> {
	await enqueue(
		tx,
		[
			{ destination: "slack", action: "notify", payload },
			{ destination: "email", action: "notify", payload },
		],
		context,
	);
}

/** Opens an alert and, only when it is new (once per episode), queues its notification. */
export async function raiseAlert(
	tx: Db,
	alert: NewAlert,
	notification: Omit<Notification, "alert_id">,
): Promise<string | null> {
	const alertId = await openAlert(tx, alert);
	if (alertId === null) return null;
	await queueNotice(
		tx,
		{ ...notification, alert_id: alertId },
		{ eventId: alert.eventId ?? null, customerId: alert.customerId ?? null },
	);
	return alertId;
}

/**
 * A dead delivery's alert (dedupe key `dead:<delivery id>`), raised in the transaction that kills
 * it. Every delivery except notifications also queues its notification. A dead notification opens
 * the alert row only: the channels are what failed, and notifying about a failed notification
 * through them could loop (Slack down → e-mail → e-mail down → Slack …). The dashboard and the
 * `plumb_deliveries_dead` gauge still show it.
 */
export async function raiseDeadLetter(
	tx: Db,
	delivery: SettledDelivery,
	publicUrl: string,
): Promise<void> {
	const title = `${DESTINATION_NAMES[delivery.destination]} ${delivery.action} is dead`;
	const body = delivery.last_error ?? "no error recorded";
	const alert: NewAlert = {
		kind: "dead_delivery",
		dedupeKey: `dead:${delivery.id}`,
		severity: "warning",
		title,
		body,
		customerId: delivery.customer_id,
		deliveryId: delivery.id,
		eventId: delivery.event_id,
	};
	if (delivery.action === "notify") {
		await openAlert(tx, alert);
		return;
	}
	const base = publicUrl.replace(/\/$/, "");
	await raiseAlert(tx, alert, {
		kind: "dead_delivery",
		severity: "warning",
		title,
		text: `It will not be retried until someone replays it (dashboard or \`plumb replay ${delivery.id}\`).`,
		fields: [
			{ label: "Delivery", value: delivery.id },
			{ label: "Attempts", value: String(delivery.attempts) },
			{ label: "Last error", value: body },
			...(delivery.customer_id
				? [{ label: "Customer", value: delivery.customer_id }]
				: []),
		],
		link: delivery.customer_id
			? `${base}/admin/customers/${delivery.customer_id}`
			: `${base}/admin/deliveries?q=${delivery.id}`,
	});
}
