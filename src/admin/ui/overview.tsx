/** The overview: is anything broken right now, and what flowed through in the last 24 hours. */
import type { FC } from "hono/jsx";
import { DESTINATION_NAMES } from "../../core/index.ts";
import type {
	HourlyCount,
	OverviewRows,
	QueueStatsRow,
} from "../view-types.ts";
import { BarChart, bars } from "./chart.tsx";
import { Layout, type PageFrame } from "./layout.tsx";

export interface OverviewModel {
	rows: OverviewRows;
	queues: readonly QueueStatsRow[];
	/** From this process's metrics registry: counted since it started, by source. */
	signatureFailures: ReadonlyArray<{ source: string; n: number }>;
	now: number;
}

const Card: FC<{
	n: string | number;
	label: string;
	href?: string;
	tone?: string;
}> = (p) => (
	<div class="card">
		<span class={`n ${p.tone ?? ""}`}>{p.n}</span>
		<span class="l">{p.href ? <a href={p.href}>{p.label}</a> : p.label}</span>
	</div>
);

const hourly = (rows: readonly HourlyCount[]) =>
	rows.map((row) => ({ start: row.hour, status: row.status, n: row.n }));

function age(seconds: number): string {
	if (seconds < 90) return `${Math.round(seconds)} s`;
	if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
	return `${Math.round(seconds / 3600)} h`;
}

export const OverviewPage: FC<{ frame: PageFrame; model: OverviewModel }> = ({
	frame,
	model,
}) => {
	const { rows, queues } = model;
	const dead = queues.reduce((sum, q) => sum + q.dead, 0);
	const waiting = queues.reduce(
		(sum, q) => sum + q.due + q.scheduled + q.running,
		0,
	);
	const oldest = Math.max(0, ...queues.map((q) => q.oldest_due_seconds ?? 0));
	const signatures = model.signatureFailures.reduce((sum, s) => sum + s.n, 0);
	return (
		<Layout {...frame} section="overview" refresh={30}>
			<h1>Overview</h1>
			<search>
				<form class="inline" method="get" action="/admin/customers">
					<input
						type="search"
						name="q"
						aria-label="Find a customer"
						placeholder="Find a customer: e-mail, name, app user id, cus_…, pi_…, evt_…"
					/>
					<button type="submit">Search</button>
				</form>
			</search>
			<div class="cards">
				<Card
					n={rows.openAlerts}
					label={`open alerts${rows.criticalAlerts ? ` (${rows.criticalAlerts} critical)` : ""}`}
					href="/admin/alerts?status=open"
					tone={rows.openAlerts ? "bad" : "ok"}
				/>
				<Card
					n={dead}
					label="dead letters"
					href="/admin/deliveries?status=dead"
					tone={dead ? "bad" : "ok"}
				/>
				<Card
					n={waiting}
					label="deliveries queued or sending"
					href="/admin/deliveries?status=retry_pending"
					tone="wait"
				/>
				<Card
					n={oldest > 0 ? age(oldest) : "—"}
					label="oldest due delivery waiting"
					tone={oldest > 300 ? "bad" : "muted"}
				/>
				<Card
					n={signatures}
					label="webhook signature failures, last 24 h"
					tone={signatures ? "bad" : "muted"}
				/>
				<Card
					n={rows.interventionsToday.count}
					label={`manual interventions today (${rows.interventionsToday.affected} item${rows.interventionsToday.affected === 1 ? "" : "s"})`}
				/>
				<Card
					n={rows.paymentsToday}
					label="payments today (money view)"
					href="/admin/money"
					tone="ok"
				/>
				<Card
					n={rows.failedEvents}
					label="events that failed to apply"
					href="/admin/events?status=failed"
					tone={rows.failedEvents ? "bad" : "muted"}
				/>
			</div>
			{queues.some((q) => q.dead + q.due + q.scheduled + q.running > 0) && (
				<table class="list">
					<thead>
						<tr>
							<th>destination</th>
							<th>due</th>
							<th>scheduled</th>
							<th>sending</th>
							<th>dead</th>
							<th>oldest due</th>
						</tr>
					</thead>
					<tbody>
						{queues.map((q) => (
							<tr>
								<td data-label="destination">
									<a href={`/admin/deliveries?destination=${q.destination}`}>
										{DESTINATION_NAMES[
											q.destination as keyof typeof DESTINATION_NAMES
										] ?? q.destination}
									</a>
								</td>
								<td data-label="due">{q.due}</td>
								<td data-label="scheduled">{q.scheduled}</td>
								<td data-label="sending">{q.running}</td>
								<td data-label="dead" class={q.dead ? "bad" : ""}>
									{q.dead}
								</td>
								<td data-label="oldest due">
									{q.oldest_due_seconds ? age(q.oldest_due_seconds) : "—"}
								</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
			<div class="grid2">
				<section class="panel">
					<h2>Events, last 24 h</h2>
					<BarChart
						title="Events per hour by status"
						period="hour"
						bars={bars(hourly(rows.events), model.now, "hour", 24)}
						statuses={["processed", "pending", "failed"]}
					/>
				</section>
				<section class="panel">
					<h2>Deliveries, last 24 h</h2>
					<BarChart
						title="Deliveries per hour by status"
						period="hour"
						bars={bars(hourly(rows.deliveries), model.now, "hour", 24)}
						statuses={[
							"succeeded",
							"pending",
							"running",
							"retry_pending",
							"skipped",
							"dead",
						]}
					/>
				</section>
			</div>
			<p class="sub">
				Signature failures are refused webhook deliveries of every Plumb process
				(plumb.webhook_failures). Times are UTC.
			</p>
		</Layout>
	);
};
