/** Alerts: what a person should look at. At most one open per dedupe key (once per episode). */
import type { Db } from "../db/index.ts";

export interface NewAlert {
	kind: string;
	dedupeKey: string;
	severity: "info" | "warning" | "critical";
	title: string;
	body: string;
	customerId?: string | null | undefined;
	deliveryId?: string | null | undefined;
	eventId?: string | null | undefined;
}

/** Opens the alert unless one with the same key is open or acknowledged; returns its id when it is new. */
export async function openAlert(
	tx: Db,
	alert: NewAlert,
): Promise<string | null> {
	const rows = await tx.query<{ id: string }>(
		`insert into plumb.alerts (kind, dedupe_key, severity, title, body, customer_id, delivery_id, event_id)
		 values ($1, $2, $3, $4, $5, $6, $7, $8)
		 on conflict do nothing
		 returning id`,
		[
			alert.kind,
			alert.dedupeKey,
			alert.severity,
			alert.title,
			alert.body,
			alert.customerId ?? null,
			alert.deliveryId ?? null,
			alert.eventId ?? null,
		],
	);
	return rows[0]?.id ?? null;
}
