/** The dashboard overview's numbers: the last 24 hours by hour and status, open alerts, interventions today. */
import type { Db } from "../db/index.ts";

export interface HourlyCount {
	/** The start of the hour. */
	hour: Date;
	status: string;
	n: number;
}

export interface OverviewRows {
	events: HourlyCount[];
	deliveries: HourlyCount[];
	openAlerts: number;
	criticalAlerts: number;
	/** Interventions recorded since midnight UTC, and how many deliveries or alerts they touched. */
	interventionsToday: { count: number; affected: number };
	failedEvents: number;
	/** Payments first seen since midnight UTC that went through (the money view has the rest). */
	paymentsToday: number;
}

/**
 * `since` is given as the smallest id of its millisecond (db/where.ts `uuidAt`), so both hourly
 * counts walk a primary-key range instead of the whole table. `today` is midnight UTC.
 */
export async function loadOverview(
	db: Db,
	since: { id: string; today: Date },
): Promise<OverviewRows> {
	const [events, deliveries, alerts, interventions, failed, payments] =
		await Promise.all([
			db.query<HourlyCount>(
				`select date_trunc('hour', received_at) as hour, status, count(*)::int as n
			 from plumb.events where id >= $1::uuid group by 1, 2 order by 1`,
				[since.id],
			),
			db.query<HourlyCount>(
				`select date_trunc('hour', created_at) as hour, status, count(*)::int as n
			 from plumb.deliveries where id >= $1::uuid group by 1, 2 order by 1`,
				[since.id],
			),
			db.query<{ open: number; critical: number }>(
				`select count(*)::int as open, count(*) filter (where severity = 'critical')::int as critical
			 from plumb.alerts where status = 'open'`,
			),
			db.query<{ count: number; affected: number }>(
				`select count(*)::int as count, coalesce(sum(affected), 0)::int as affected
			 from plumb.interventions where created_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc'`,
			),
			db.query<{ n: number }>(
				"select count(*)::int as n from plumb.events where status = 'failed'",
			),
			db.query<{ n: number }>(
				"select count(*)::int as n from plumb.payments where first_seen_at >= $1 and status <> 'failed'",
				[since.today],
			),
		]);
	return {
		events,
		deliveries,
		openAlerts: alerts[0]?.open ?? 0,
		criticalAlerts: alerts[0]?.critical ?? 0,
		interventionsToday: {
			count: interventions[0]?.count ?? 0,
			affected: interventions[0]?.affected ?? 0,
		},
		failedEvents: failed[0]?.n ?? 0,
		paymentsToday: payments[0]?.n ?? 0,
	};
}

/** The timeline entries one event produced, for the event page. */
export async function loadEventTimeline(
	db: Db,
	eventId: string,
): Promise<
	Array<{
		kind: string;
		summary: string;
		customer_id: string | null;
		created_at: Date;
	}>
> {
	return db.query(
		"select kind, summary, customer_id, created_at from plumb.timeline where event_id = $1 order by id",
		[eventId],
	);
}

/** Refused webhook signatures since `since`, per source, across every process (plumb.webhook_failures). */
export async function signatureFailuresSince(
	db: Db,
	since: Date,
): Promise<Array<{ source: string; n: number }>> {
	return db.query<{ source: string; n: number }>(
		`select source, sum(count)::int as n from plumb.webhook_failures
		 where minute >= $1 and reason = 'invalid_signature' group by source order by source`,
		[since],
	);
}
