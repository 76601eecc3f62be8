/** Alerts for people: listed newest first, acknowledged with an audited reason. */

import { recordIntervention } from "../admin/index.ts";
import type { Db } from "../db/index.ts";
import { addKeyset, type KeysetFilter, Where } from "../db/index.ts";

export const ALERT_STATUSES = ["open", "acknowledged", "resolved"] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const ALERT_SEVERITIES = ["info", "warning", "critical"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface AlertListItem {
	id: string;
	kind: string;
	severity: AlertSeverity;
	title: string;
	body: string;
	status: AlertStatus;
	customer_id: string | null;
	delivery_id: string | null;
	event_id: string | null;
	created_at: Date;
	acknowledged_at: Date | null;
	acknowledged_by: string | null;
	resolved_at: Date | null;
}

export interface AlertListFilter extends KeysetFilter {
	status?: AlertStatus | undefined;
	severity?: AlertSeverity | undefined;
	kind?: string | undefined;
	customerId?: string | undefined;
}

const ALERT_COLUMNS = `id, kind, severity, title, body, status, customer_id, delivery_id, event_id, created_at,
	acknowledged_at, acknowledged_by, resolved_at`;

export async function listAlerts(
	db: Db,
	filter: AlertListFilter,
): Promise<AlertListItem[]> {
	const where = new Where();
	if (filter.status !== undefined) where.add("status = $?", filter.status);
	if (filter.severity !== undefined)
		where.add("severity = $?", filter.severity);
	if (filter.kind !== undefined) where.add("kind = $?", filter.kind);
	if (filter.customerId !== undefined)
		where.add("customer_id = $?::uuid", filter.customerId);
	addKeyset(where, "id", filter);
	return db.query<AlertListItem>(
		`select ${ALERT_COLUMNS} from plumb.alerts ${where} order by id desc limit ${where.bind(filter.limit)}`,
		where.values,
	);
}

export interface AcknowledgeResult {
	changed: boolean;
	status: AlertStatus;
	interventionId: string | null;
}

/**
 * Acknowledges an open alert and audits it (one intervention, kind `acknowledge`), in one
 * transaction. An acknowledged or resolved alert is left as it is. Undefined when no alert has that id.
 */
export async function acknowledgeAlert(
	db: Db,
	request: { id: string; actor: string; reason: string },
): Promise<AcknowledgeResult | undefined> {
	return db.transaction(async (tx) => {
		const [row] = await tx.query<{ status: AlertStatus }>(
			"select status from plumb.alerts where id = $1 for update",
			[request.id],
		);
		if (!row) return undefined;
		if (row.status !== "open")
			return { changed: false, status: row.status, interventionId: null };
		await tx.query(
			`update plumb.alerts set status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2
			 where id = $1`,
			[request.id, request.actor],
		);
		const interventionId = await recordIntervention(tx, {
			kind: "acknowledge",
			actor: request.actor,
			reason: request.reason,
			target: { alert_id: request.id },
			affected: 1,
		});
		return { changed: true, status: "acknowledged", interventionId };
	});
}
