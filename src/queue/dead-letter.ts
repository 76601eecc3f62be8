/** A dead delivery raises one alert (dedupe key `dead:<delivery id>`), in the transaction that kills it. */
import type { Destination } from "../core/index.ts";
import {
	type Db,
	type NewAlert,
	openAlert,
	type SettledDelivery,
} from "../store/index.ts";
import { raiseAlert } from "./enqueue.ts";

const NAMES: Readonly<Record<Destination, string>> = {
	hubspot: "HubSpot",
	zendesk: "Zendesk",
	slack: "Slack",
	email: "E-mail",
};

/**
 * Opens the alert and, for every delivery except notifications, queues its Slack and e-mail
 * notification. A dead notification opens the alert row only: the channels are what failed, and
 * notifying about a failed notification through them could loop (Slack down → e-mail → e-mail down
 * → Slack …). The dashboard and the `plumb_deliveries_dead` gauge still show it.
 */
export async function raiseDeadLetter(
	tx: Db,
	delivery: SettledDelivery,
	publicUrl: string,
): Promise<void> {
	const title = `${NAMES[delivery.destination]} ${delivery.action} is dead`;
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
