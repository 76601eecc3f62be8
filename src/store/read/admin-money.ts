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
 * One window's sums as columns (`today_paid` …), so one pass over the payments fills all three
 * windows; $1, $2 and $3 are the windows' starts. Constants only: no input reaches this text.
 */
function windowColumns(window: MoneyWindow, i: number): string {
	const since = `$${i + 1}`;
	const paid = `status <> 'failed' and first_seen_at >= ${since}`;
	const refund = `amount_refunded > 0 and status_as_of >= ${since}`;
	return `
	   count(*) filter (where ${paid})::int as ${window}_payments,
	   coalesce(sum(amount) filter (where ${paid}), 0)::text as ${window}_paid,
	   coalesce(sum(case when status = 'dispute_lost' then 0 else coalesce(amount, 0) - amount_refunded end)
	     filter (where ${paid}), 0)::text as ${window}_revenue,
	   count(*) filter (where ${refund})::int as ${window}_refunds,
	   coalesce(sum(amount_refunded) filter (where ${refund}), 0)::text as ${window}_refunded,
	   count(*) filter (where status in ${DISPUTED} and status_as_of >= ${since})::int as ${window}_disputes,
	   count(*) filter (where status = 'dispute_lost' and status_as_of >= ${since})::int as "${window}_disputesLost"`;
}

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
 * Every query walks an index from the 30-day start (migration 0014 adds the time indexes); customers
 * by their UUIDv7 id, whose time is their creation time.
 */
export async function loadMoney(
	db: Db,
	windows: MoneyWindows,
): Promise<MoneyRows> {
	const since = [windows.today, windows.week, windows.month];
	const [byCurrency, failed, customers, churned, daily] = await Promise.all([
		db.query<Record<string, string | number>>(
			`select upper(currency) as currency, ${MONEY_WINDOWS.map(windowColumns).join(",")}
			 from (
			   select status, amount, amount_refunded, currency, first_seen_at, status_as_of from plumb.payments
			   where first_seen_at >= $3 and currency is not null
			   union all
			   select status, amount, amount_refunded, currency, first_seen_at, status_as_of from plumb.payments
			   where status_as_of >= $3 and first_seen_at < $3 and currency is not null
			 ) as p
			 group by upper(currency) order by upper(currency)`,
			since,
		),
		db.query<{ window: MoneyWindow; n: number }>(
			`select w.name as window, count(f.occurred_at)::int as n
			 from unnest(array['today', 'week', 'month'], $1::timestamptz[]) as w(name, since)
			 left join plumb.payment_failures f on f.occurred_at >= w.since
			 group by w.name`,
			[since],
		),
		db.query<{ window: MoneyWindow; n: number }>(
			`select w.name as window, count(c.id)::int as n
			 from unnest(array['today', 'week', 'month'], $1::uuid[]) as w(name, since)
			 left join plumb.customers c on c.id >= w.since and c.merged_into is null
			 group by w.name`,
			[since.map((at) => uuidAt(at))],
		),
		db.query<{ window: MoneyWindow; n: number }>(
			`select w.name as window, count(distinct s.customer_id)::int as n
			 from unnest(array['today', 'week', 'month'], $1::timestamptz[]) as w(name, since)
			 left join plumb.subscriptions s on s.status = 'canceled' and s.status_as_of >= w.since
			 group by w.name`,
			[since],
		),
		db.query<DailyPayments>(
			`select date_trunc('day', first_seen_at at time zone 'utc') at time zone 'utc' as day, status, count(*)::int as n
			 from plumb.payments where first_seen_at >= $1 group by 1, 2 order by 1`,
			[windows.month],
		),
	]);
	const count = (rows: Array<{ window: MoneyWindow; n: number }>, w: string) =>
		rows.find((row) => row.window === w)?.n ?? 0;
	return {
		byCurrency: byCurrency.flatMap((row) => perWindow(row)),
		counts: MONEY_WINDOWS.map((window) => ({
			window,
			failedPayments: count(failed, window),
			newCustomers: count(customers, window),
			churnedCustomers: count(churned, window),
		})),
		daily,
	};
}
