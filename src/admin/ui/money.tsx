/** The money view: what came in and what went wrong with it, today and over the last 7 and 30 days. */
import type { FC } from "hono/jsx";
import { formatMoney } from "../describe.ts";
import type { MoneyByCurrency, MoneyRows, MoneyWindow } from "../view-types.ts";
import { BarChart, bars } from "./chart.tsx";
import { Layout, type PageFrame } from "./layout.tsx";

const WINDOW_NAMES: ReadonlyArray<[MoneyWindow, string]> = [
	["today", "Today"],
	["week", "Last 7 days"],
	["month", "Last 30 days"],
];

/** The payment statuses the chart stacks, worst on top. */
export const PAYMENT_STATUSES = [
	"succeeded",
	"refunded",
	"dispute_won",
	"disputed",
	"dispute_lost",
	"failed",
] as const;

type Amounts = (rows: MoneyByCurrency[]) => string;

/** "3 · 60.00 USD" per currency, one line each; "0" when there is none. */
const perCurrency =
	(
		count: (r: MoneyByCurrency) => number,
		amount?: (r: MoneyByCurrency) => string,
	): Amounts =>
	(rows) => {
		const lines = rows
			.filter((r) => count(r) > 0)
			.map((r) =>
				amount
					? `${count(r)} · ${formatMoney(amount(r), r.currency)}`
					: `${count(r)} ${r.currency}`,
			);
		return lines.length > 0 ? lines.join("\n") : "0";
	};

const CURRENCY_ROWS: ReadonlyArray<[string, Amounts]> = [
	[
		"Payments",
		perCurrency(
			(r) => r.payments,
			(r) => r.paid,
		),
	],
	[
		"Revenue (paid − refunded − disputes lost)",
		(rows) =>
			rows
				.filter((r) => r.payments > 0)
				.map((r) => formatMoney(r.revenue, r.currency))
				.join("\n") || "0",
	],
	[
		"Refunds",
		perCurrency(
			(r) => r.refunds,
			(r) => r.refunded,
		),
	],
];

export const MoneyPage: FC<{
	frame: PageFrame;
	rows: MoneyRows;
	now: number;
}> = ({ frame, rows, now }) => {
	const inWindow = (w: MoneyWindow) =>
		rows.byCurrency.filter((r) => r.window === w);
	const counts = (w: MoneyWindow) =>
		rows.counts.find((c) => c.window === w) ?? {
			failedPayments: 0,
			newCustomers: 0,
			churnedCustomers: 0,
		};
	const disputes = (w: MoneyWindow) => {
		const all = inWindow(w);
		const n = all.reduce((sum, r) => sum + r.disputes, 0);
		const lost = all.reduce((sum, r) => sum + r.disputesLost, 0);
		return lost > 0 ? `${n} (${lost} lost)` : String(n);
	};
	const countRows: ReadonlyArray<[string, (w: MoneyWindow) => string, string]> =
		[
			[
				"Failed payment attempts",
				(w) => String(counts(w).failedPayments),
				"bad",
			],
			["Disputes", disputes, "bad"],
			["New customers", (w) => String(counts(w).newCustomers), ""],
			[
				"Churned customers (subscription canceled)",
				(w) => String(counts(w).churnedCustomers),
				"",
			],
		];
	return (
		<Layout {...frame} section="money">
			<h1>Money</h1>
			<p class="sub">
				From Plumb's business state (payments, refunds, disputes and
				subscriptions as the billing events left them). Days are UTC, today
				included.
			</p>
			<table class="list money">
				<thead>
					<tr>
						<th />
						{WINDOW_NAMES.map(([, name]) => (
							<th>{name}</th>
						))}
					</tr>
				</thead>
				<tbody>
					{CURRENCY_ROWS.map(([name, cell]) => (
						<tr>
							<th scope="row">{name}</th>
							{WINDOW_NAMES.map(([w, label]) => (
								<td data-label={label} data-window={w}>
									{cell(inWindow(w))}
								</td>
							))}
						</tr>
					))}
					{countRows.map(([name, cell, tone]) => (
						<tr>
							<th scope="row">{name}</th>
							{WINDOW_NAMES.map(([w, label]) => {
								const value = cell(w);
								return (
									<td
										data-label={label}
										data-window={w}
										class={value !== "0" ? tone : ""}
									>
										{value}
									</td>
								);
							})}
						</tr>
					))}
				</tbody>
			</table>
			<section class="panel">
				<h2>Payments per day, last 30 days</h2>
				<BarChart
					title="Payments per day by status"
					period="day"
					bars={bars(
						rows.daily.map((d) => ({ start: d.day, status: d.status, n: d.n })),
						now,
						"day",
						30,
					)}
					statuses={PAYMENT_STATUSES}
				/>
			</section>
			<p class="sub">
				A payment counts on the day it was first seen; a refund or a dispute on
				the day of the payment's latest change. Failed attempts count each try.
			</p>
		</Layout>
	);
};
