/** Alerts: what needs a person, and acknowledging one with a reason (audited). */
import type { FC } from "hono/jsx";
import type { AlertListItem } from "../view-types.ts";
import { Layout, type PageFrame } from "./layout.tsx";
import {
	Badge,
	CsrfField,
	Filters,
	ListTable,
	Notice,
	Pager,
	When,
} from "./parts.tsx";

export const AlertsPage: FC<{
	frame: PageFrame & { csrf: string };
	items: AlertListItem[];
	next: string | null;
	query: Record<string, string | undefined>;
	statuses: readonly string[];
	severities: readonly string[];
	returnTo: string;
	notice?: string | undefined;
	now: number;
}> = (p) => (
	<Layout {...p.frame} section="alerts">
		<h1>Alerts</h1>
		<Notice text={p.notice} />
		<Filters
			action="/admin/alerts"
			query={p.query}
			choices={[
				{ name: "status", options: p.statuses },
				{ name: "severity", options: p.severities },
			]}
		/>
		<ListTable
			count={p.items.length}
			empty="No alerts match."
			headers={["raised", "alert", "status", "links", ""]}
		>
			{p.items.map((a) => (
				<tr data-alert={a.id}>
					<td data-label="raised">
						<When at={a.created_at} now={p.now} />
					</td>
					<td data-label="alert">
						<Badge tone={a.severity === "info" ? "muted" : "bad"}>
							{a.severity}
						</Badge>{" "}
						<strong>{a.title}</strong>
						{a.body && <div class="err">{a.body}</div>}
					</td>
					<td data-label="status">
						{a.status}
						{a.acknowledged_by && (
							<div class="muted">{`by ${a.acknowledged_by}`}</div>
						)}
					</td>
					<td data-label="links">
						{a.customer_id && (
							<a href={`/admin/customers/${a.customer_id}`}>customer</a>
						)}{" "}
						{a.delivery_id && (
							<a href={`/admin/deliveries?q=${a.delivery_id}`}>delivery</a>
						)}{" "}
						{a.event_id && <a href={`/admin/events/${a.event_id}`}>event</a>}
					</td>
					<td>
						{a.status === "open" && (
							<form
								class="inline"
								method="post"
								action={`/admin/alerts/${a.id}/acknowledge`}
							>
								<CsrfField token={p.frame.csrf} />
								<input type="hidden" name="return_to" value={p.returnTo} />
								<input
									class="reason"
									name="reason"
									required
									maxlength={500}
									aria-label="Reason"
									placeholder="Why (e.g. looking into it)"
								/>
								<button type="submit">Acknowledge</button>
							</form>
						)}
					</td>
				</tr>
			))}
		</ListTable>
		<Pager path="/admin/alerts" query={p.query} next={p.next} />
	</Layout>
);
