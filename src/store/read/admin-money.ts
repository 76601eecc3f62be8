/**
 * The dashboard's money view, read from the business state tables (never from the events): payments
 * and revenue per currency, failed payment attempts, refunds, disputes, new and churned customers,
 * for today and the last 7 and 30 days, and payments per day for the chart.
 */
import type { Db } from "../db/index.ts";
import { uuidAt } from "../db/index.ts";

/** The three windows, each starting at an instant the caller computes from its own clock. */
export interface MoneyWindows {
	today: Date;
	week: Date;
	month: Date;
}

export type MoneyWindow = keyof MoneyWindows;

export const MONEY_WINDOWS: readonly MoneyWindow[] = ["today", "week", "month"];

/** One currency's money in one window; amounts are minor units as text (bigint sums). */
export interface MoneyByCurrency {
	window: MoneyWindow;
	currency: string;
	/** Payments first seen in the window that went through (later refunded or disputed ones too). */
	payments: number;
	paid: string;
	/** Paid minus refunded minus disputes lost, for those same payments. */
	revenue: string;
	/** Payments refunded (in part or whole) whose latest change falls in the window. */
	refunds: number;
	refunded: string;
	/** Payments disputed whose latest change falls in the window (opened, won or lost). */
	disputes: number;
	disputesLost: number;
}

/** Counts that have no currency: failed attempts, new customers, churned customers. */
export interface MoneyCounts {
	window: MoneyWindow;
	failedPayments: number;
	newCustomers: number;
	churnedCustomers: number;
}

export interface DailyPayments {
	/** The start of the day (UTC). */
	day: Date;
	status: string;
	n: number;
}

export interface MoneyRows {
	byCurrency: MoneyByCurrency[];
	counts: MoneyCounts[];
	daily: DailyPayments[];
}

/** A count for each window, from one scan of the month's rows. */
type PerWindow = Record<MoneyWindow, number>;

const DISPUTED = "('disputed', 'dispute_won', 'dispute_lost')";

const MONEY_FIELDS = [
	"payments",
	"paid",
	"revenue",
	"refunds",
	"refunded",
	"disputes",
	"disputesLost",
] as const;

/**
 * One window's sums as columns (`today_paid` …) over `buckets` (below), so one pass over the
 * payments fills all three windows. Constants only: no input reaches this text.
 */
function windowColumns(window: MoneyWindow, i: number): string {
	// Window i holds the rows whose bucket is at least 3 - i (today 3, week 2 or more, month 1 or more).
	const seen = `seen >= ${3 - i}`;
	const changed = `changed >= ${3 - i}`;
	return `
	   coalesce(sum(n) filter (where status <> 'failed' and ${seen}), 0)::int as ${window}_payments,
	   coalesce(sum(amount) filter (where status <> 'failed' and ${seen}), 0)::text as ${window}_paid,
	   coalesce(sum(kept) filter (where status <> 'failed' and ${seen}), 0)::text as ${window}_revenue,
	   coalesce(sum(refunds) filter (where ${changed}), 0)::int as ${window}_refunds,
	   coalesce(sum(refunded) filter (where ${changed}), 0)::text as ${window}_refunded,
	   coalesce(sum(n) filter (where status in ${DISPUTED} and ${changed}), 0)::int as ${window}_disputes,
	   coalesce(sum(n) filter (where status = 'dispute_lost' and ${changed}), 0)::int as "${window}_disputesLost"`;
}

/**
 * The payments of the last 30 days (first seen, or changed: refunds and disputes) folded into a few
 * rows first: by currency, status, and which windows they were first seen and last changed in (3:
 * today, 2: this week before today, 1: this month before that, 0: earlier). $1, $2, $3 are the
 * windows' starts.
 */
const BUCKETS = `
	select upper(currency) as currency, status,
	  (first_seen_at >= $1)::int + (first_seen_at >= $2)::int + (first_seen_at >= $3)::int as seen,
	  (status_as_of >= $1)::int + (status_as_of >= $2)::int + (status_as_of >= $3)::int as changed,
	  count(*) as n, sum(amount) as amount, sum(amount_refunded) as refunded,
	  count(*) filter (where amount_refunded > 0) as refunds,
	  sum(case when status = 'dispute_lost' then 0 else coalesce(amount, 0) - amount_refunded end) as kept
	from (
	  select status, amount, amount_refunded, currency, first_seen_at, status_as_of from plumb.payments
	  where first_seen_at >= $3 and currency is not null
	  union all
	  select status, amount, amount_refunded, currency, first_seen_at, status_as_of from plumb.payments
	  where status_as_of >= $3 and first_seen_at < $3 and currency is not null
	) as p
	group by 1, 2, 3, 4`;

/** A currency's row of columns as one entry per window that has anything in it. */
function perWindow(row: Record<string, string | number>): MoneyByCurrency[] {
	return MONEY_WINDOWS.flatMap((window) => {
		const entry = { window, currency: String(row.currency) } as Record<
			string,
			string | number
		>;
		for (const field of MONEY_FIELDS)
			entry[field] = row[`${window}_${field}`] ?? 0;
		const any =
			Number(entry.payments) + Number(entry.refunds) + Number(entry.disputes);
		return any > 0 ? [entry as unknown as MoneyByCurrency] : [];
	});
}

/**
 * Every query walks an index from the 30-day start once (migration 0014 adds the time indexes;
 * customers by their UUIDv7 id, whose time is their creation time) and counts the three windows in
 * that one pass.
 */
export async function loadMoney(
	db: Db,
	windows: MoneyWindows,
): Promise<MoneyRows> {
	const since = [windows.today, windows.week, windows.month];
	const [byCurrency, failed, customers, churned, daily] = await Promise.all([
		db.query<Record<string, string | number>>(
			`select currency, ${MONEY_WINDOWS.map(windowColumns).join(",")}
			 from (${BUCKETS}) as buckets group by currency order by currency`,
			since,
		),
		db.query<PerWindow>(
			`select count(*) filter (where occurred_at >= $1)::int as today,
			   count(*) filter (where occurred_at >= $2)::int as week, count(*)::int as month
			 from plumb.payment_failures where occurred_at >= $3`,
			since,
		),
		db.query<PerWindow>(
			`select count(*) filter (where id >= $1)::int as today, count(*) filter (where id >= $2)::int as week,
			   count(*)::int as month
			 from plumb.customers where id >= $3 and merged_into is null`,
			since.map((at) => uuidAt(at)),
		),
		db.query<PerWindow>(
			`select count(distinct customer_id) filter (where status_as_of >= $1)::int as today,
			   count(distinct customer_id) filter (where status_as_of >= $2)::int as week,
			   count(distinct customer_id)::int as month
			 from plumb.subscriptions where status = 'canceled' and status_as_of >= $3`,
			since,
		),
		db.query<DailyPayments>(
			`select date_trunc('day', first_seen_at at time zone 'utc') at time zone 'utc' as day, status, count(*)::int as n
			 from plumb.payments where first_seen_at >= $1 group by 1, 2 order by 1`,
			[windows.month],
		),
	]);
	return {
		byCurrency: byCurrency.flatMap((row) => perWindow(row)),
		counts: MONEY_WINDOWS.map((window) => ({
			window,
			failedPayments: failed[0]?.[window] ?? 0,
			newCustomers: customers[0]?.[window] ?? 0,
			churnedCustomers: churned[0]?.[window] ?? 0,
		})),
		daily,
	};
}
