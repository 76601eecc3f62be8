/** The dashboard overview's numbers: the last 24 hours by hour and status, open alerts, interventions today. */
import { DELIVERY_STATUSES, EVENT_STATUSES } from "../../core/index.ts";
import { type Db, uuidAt } from "../db/index.ts";

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
 * `since.id` is the smallest id of its millisecond (db/where.ts `uuidAt`); `today` is midnight UTC;
 * `now` (the page's clock) ends the last hour.
 */
export async function loadOverview(
	db: Db,
	since: { id: string; today: Date; now?: number },
): Promise<OverviewRows> {
	const now = since.now ?? Date.now();
	const [events, deliveries, alerts, interventions, failed, payments] =
		await Promise.all([
			hourlyByStatus(db, {
				table: "plumb.events",
				common: "processed",
				others: EVENT_STATUSES,
				sinceId: since.id,
				now,
			}),
			hourlyByStatus(db, {
				table: "plumb.deliveries",
				common: "succeeded",
				others: DELIVERY_STATUSES,
				sinceId: since.id,
				now,
			}),
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

const HOUR_MS = 3_600_000;
const LAST_ID = "ffffffff-ffff-ffff-ffff-ffffffffffff";

/** The hours from the one holding `sinceId` (a UUIDv7, see `uuidAt`) to `now`, each as an id range. */
function hourRanges(
	sinceId: string,
	now: number,
): { hour: Date; lo: string; hi: string }[] {
	const since = Number.parseInt(sinceId.replace(/-/g, "").slice(0, 12), 16);
	const first = Math.floor(since / HOUR_MS) * HOUR_MS;
	const last = Math.max(first, Math.floor(now / HOUR_MS) * HOUR_MS);
	const ranges = [];
	for (let start = first; start <= last; start += HOUR_MS)
		ranges.push({
			hour: new Date(start),
			lo: start === first ? sinceId : uuidAt(new Date(start)),
			// The current hour is open-ended, as the rows recorded while this reads.
			hi: start === last ? LAST_ID : uuidAt(new Date(start + HOUR_MS)),
		});
	return ranges;
}

/**
 * Rows since `sinceId` by hour and status, without reading a heap row (about 100,000 deliveries a day
 * at a million events took 500 ms through the heap). Index-only scans, one id range per hour: every
 * row from the primary key (ids are UUIDv7 of the row's time), the rarer statuses from the table's
 * partial (status, id) index that leaves the `common` status out; `common` is the rest of the hour.
 * Exact, not an estimate.
 */
async function hourlyByStatus(
	db: Db,
	q: {
		table: "plumb.events" | "plumb.deliveries";
		/** A status from our own constants (it is written into the SQL, matching the index predicate). */
		common: "processed" | "succeeded";
		others: readonly string[];
		sinceId: string;
		now: number;
	},
): Promise<HourlyCount[]> {
	const ranges = hourRanges(q.sinceId, q.now);
	const hours = [
		ranges.map((r) => r.hour),
		ranges.map((r) => r.lo),
		ranges.map((r) => r.hi),
	];
	const perHour = `unnest($1::timestamptz[], $2::uuid[], $3::uuid[]) as h(hour, lo, hi)`;
	const [totals, rarer] = await Promise.all([
		db.query<{ hour: Date; n: number }>(
			`select h.hour, (select count(*)::int from ${q.table} t where t.id >= h.lo and t.id < h.hi) as n
			 from ${perHour} order by h.hour`,
			hours,
		),
		db.query<HourlyCount>(
			`select h.hour, r.status, r.n from ${perHour} cross join lateral (
			   select t.status, count(*)::int as n from ${q.table} t
			   where t.status <> '${q.common}' and t.status = any($4::text[]) and t.id >= h.lo and t.id < h.hi
			   group by t.status) r
			 order by h.hour, r.status`,
			[...hours, q.others.filter((status) => status !== q.common)],
		),
	]);
	const rows: HourlyCount[] = [];
	for (const total of totals) {
		const time = new Date(total.hour).getTime();
		const own = rarer.filter((r) => new Date(r.hour).getTime() === time);
		const common = total.n - own.reduce((sum, r) => sum + r.n, 0);
		rows.push(...own.filter((r) => r.n > 0));
		if (common > 0)
			rows.push({ hour: total.hour, status: q.common, n: common });
	}
	return rows;
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
