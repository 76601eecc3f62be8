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
		db.query<MoneyByCurrency>(
			`select w.name as window, upper(p.currency) as currency,
			   count(*) filter (where p.status <> 'failed' and p.first_seen_at >= w.since)::int as payments,
			   coalesce(sum(p.amount) filter (where p.status <> 'failed' and p.first_seen_at >= w.since), 0)::text as paid,
			   coalesce(sum(case when p.status = 'dispute_lost' then 0 else coalesce(p.amount, 0) - p.amount_refunded end)
			     filter (where p.status <> 'failed' and p.first_seen_at >= w.since), 0)::text as revenue,
			   count(*) filter (where p.amount_refunded > 0 and p.status_as_of >= w.since)::int as refunds,
			   coalesce(sum(p.amount_refunded) filter (where p.amount_refunded > 0 and p.status_as_of >= w.since), 0)::text as refunded,
			   count(*) filter (where p.status in ${DISPUTED} and p.status_as_of >= w.since)::int as disputes,
			   count(*) filter (where p.status = 'dispute_lost' and p.status_as_of >= w.since)::int as "disputesLost"
			 from unnest(array['today', 'week', 'month'], $1::timestamptz[]) as w(name, since)
			 join (
			   select status, amount, amount_refunded, currency, first_seen_at, status_as_of from plumb.payments
			   where first_seen_at >= $2 and currency is not null
			   union all
			   select status, amount, amount_refunded, currency, first_seen_at, status_as_of from plumb.payments
			   where status_as_of >= $2 and first_seen_at < $2 and currency is not null
			 ) as p on p.first_seen_at >= w.since or p.status_as_of >= w.since
			 group by w.name, upper(p.currency)
			 order by upper(p.currency)`,
			[since, windows.month],
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
		byCurrency,
		counts: MONEY_WINDOWS.map((window) => ({
			window,
			failedPayments: count(failed, window),
			newCustomers: count(customers, window),
			churnedCustomers: count(churned, window),
		})),
		daily,
	};
}
