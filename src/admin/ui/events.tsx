/** Events: the inbox filtered and searched, and one event with its redacted payload and what it caused. */
import type { FC } from "hono/jsx";
import { DESTINATION_NAMES } from "../../core/index.ts";
import { actionName, deliveryState } from "../describe.ts";
import type { EventDetail } from "../events.ts";
import type { EventRow } from "../view-types.ts";
import { Layout, type PageFrame } from "./layout.tsx";
import { Badge, Filters, ListTable, Pager, utc, When } from "./parts.tsx";

const STATUS_TONES = {
	processed: "ok",
	pending: "wait",
	failed: "bad",
} as const;

export const EventsPage: FC<{
	frame: PageFrame;
	items: EventRow[];
	next: string | null;
	query: Record<string, string | undefined>;
	types: readonly string[];
	sources: readonly string[];
	statuses: readonly string[];
	now: number;
}> = (p) => (
	<Layout {...p.frame} section="events">
		<h1>Events</h1>
		<Filters
			action="/admin/events"
			query={p.query}
			choices={[
				{ name: "type", options: p.types },
				{ name: "source", options: p.sources },
				{ name: "status", options: p.statuses },
			]}
			search="evt_…, e-mail, id, correlation id"
		/>
		<ListTable
			count={p.items.length}
			empty="No events match."
			headers={[
				"received",
				"type",
				"source",
				"provider id",
				"status",
				"customer",
			]}
		>
			{p.items.map((e) => (
				<tr>
					<td data-label="received">
						<a href={`/admin/events/${e.id}`}>
							<When at={e.received_at} now={p.now} />
						</a>
					</td>
					<td data-label="type">
						<a href={`/admin/events/${e.id}`}>{e.type.replaceAll("_", " ")}</a>
					</td>
					<td data-label="source">{e.source}</td>
					<td data-label="provider id">{e.external_id}</td>
					<td data-label="status">
						<Badge tone={STATUS_TONES[e.status]}>{e.status}</Badge>
						{e.last_error && <div class="err">{e.last_error}</div>}
					</td>
					<td data-label="customer">
						{e.customer_id ? (
							<a href={`/admin/customers/${e.customer_id}`}>customer</a>
						) : (
							"—"
						)}
					</td>
				</tr>
			))}
		</ListTable>
		<Pager path="/admin/events" query={p.query} next={p.next} />
	</Layout>
);

export const EventPage: FC<{
	frame: PageFrame;
	detail: EventDetail;
	now: number;
}> = ({ frame, detail, now }) => {
	const e = detail.event;
	return (
		<Layout {...frame} section="events">
			<h1>{`${e.type.replaceAll("_", " ")} from ${e.source}`}</h1>
			<p class="sub">{`${e.external_id} · id ${e.id}`}</p>
			<dl class="facts">
				<dt>status</dt>
				<dd>
					<Badge tone={STATUS_TONES[e.status]}>{e.status}</Badge>
					{e.last_error && <span class="err"> {e.last_error}</span>}
				</dd>
				<dt>provider time</dt>
				<dd>{utc(e.occurred_at)}</dd>
				<dt>received</dt>
				<dd>
					<When at={e.received_at} now={now} />
					{` (${utc(e.received_at)})`}
				</dd>
				<dt>correlation id</dt>
				<dd>{e.correlation_id}</dd>
				<dt>customer</dt>
				<dd>
					{e.customer_id ? (
						<a href={`/admin/customers/${e.customer_id}`}>{e.customer_id}</a>
					) : (
						"not resolved"
					)}
				</dd>
			</dl>
			<h2>What it changed</h2>
			{detail.timeline.length === 0 ? (
				<p class="muted">Nothing recorded yet.</p>
			) : (
				<ul>
					{detail.timeline.map((t) => (
						<li>{t.summary}</li>
					))}
				</ul>
			)}
			<h2>Deliveries it caused</h2>
			{detail.deliveries.length === 0 ? (
				<p class="muted">None.</p>
			) : (
				<ul>
					{detail.deliveries.map((d) => {
						const state = deliveryState(d, now);
						return (
							<li>
								{`${DESTINATION_NAMES[d.destination]} ${actionName(d.action)}: `}
								<span class={state.tone}>{state.label}</span>
								{/* A skip reason is already in the state; only a failure reads as an error. */}
								{d.last_error && d.status !== "skipped" && (
									<span class={state.tone === "bad" ? "err" : "muted"}>
										{` — ${d.last_error}`}
									</span>
								)}{" "}
								<a href={`/admin/deliveries?q=${d.id}`}>details</a>
							</li>
						);
					})}
				</ul>
			)}
			<h2>Payload (redacted)</h2>
			<p class="sub">
				Secrets, tokens, client secrets, signatures and card-like numbers are
				masked.
			</p>
			{e.payload === null ? (
				<p class="muted">
					Removed by retention (PLUMB_RETENTION_PAYLOADS): the event was
					processed long enough ago. Its normalized data below stays.
				</p>
			) : (
				<pre class="payload">{JSON.stringify(e.payload, null, 2)}</pre>
			)}
			<h2>Normalized data</h2>
			<pre class="payload">{JSON.stringify(e.data, null, 2)}</pre>
		</Layout>
	);
};
