/** The customer page: business state beside integration state, above the timeline of everything that happened. */
import type { FC } from "hono/jsx";
import type { CustomerView, Integration } from "../customer-view.ts";
import { actionName, describeRef, formatMoney } from "../describe.ts";
import { Layout, type PageFrame } from "./layout.tsx";
import { Badge, Notice, ReplayForm, utc, When } from "./parts.tsx";

const STATE_WORDS: Readonly<Record<Integration["state"], string>> = {
	ok: "ok",
	dead: "dead",
	retrying: "retrying",
	pending: "queued",
	skipped: "skipped",
	none: "nothing yet",
};

const Business: FC<{ view: CustomerView; now: number }> = ({ view, now }) => {
	const c = view.customer;
	const { payments, subscriptions, tickets, billing_sources } = view.business;
	return (
		<section class="panel" aria-labelledby="business">
			<h2 id="business">Business state</h2>
			<dl class="facts">
				<dt>plan</dt>
				<dd>{c.plan ?? "—"}</dd>
				<dt>status</dt>
				<dd>{c.plan_status ?? "—"}</dd>
				<dt>billed by</dt>
				<dd>{c.billing_provider ?? "—"}</dd>
				<dt>tier</dt>
				<dd>{c.tier}</dd>
				<dt>last payment</dt>
				<dd>
					{c.last_payment_status ?? "—"}{" "}
					<When at={c.last_payment_at} now={now} />
				</dd>
				<dt>lifecycle</dt>
				<dd>{c.lifecycle_stage ?? "—"}</dd>
				<dt>lead source</dt>
				<dd>{c.lead_source ?? "—"}</dd>
				<dt>phone</dt>
				<dd>{c.phone ?? "—"}</dd>
				<dt>known as</dt>
				<dd>
					{c.identities
						.map((i) => `${i.kind.replaceAll("_", " ")}: ${i.value}`)
						.join(" · ") || "—"}
				</dd>
			</dl>
			<h3>Billing providers</h3>
			{billing_sources.length === 0 ? (
				<p class="muted">No billing events.</p>
			) : (
				<table class="list">
					<thead>
						<tr>
							<th>provider</th>
							<th>store</th>
							<th>environment</th>
							<th>events</th>
							<th>latest</th>
						</tr>
					</thead>
					<tbody>
						{billing_sources.map((b) => (
							<tr>
								<td data-label="provider">{b.provider}</td>
								<td data-label="store">{b.store ?? "—"}</td>
								<td data-label="environment">
									{b.environment === "SANDBOX" ? (
										<Badge tone="wait">sandbox</Badge>
									) : (
										(b.environment?.toLowerCase() ?? "—")
									)}
								</td>
								<td data-label="events">{b.events}</td>
								<td data-label="latest">
									<When at={b.last_at} now={now} />
								</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
			<h3>Payments</h3>
			{payments.length === 0 ? (
				<p class="muted">No payments.</p>
			) : (
				<table class="list">
					<thead>
						<tr>
							<th>status</th>
							<th>amount</th>
							<th>references</th>
							<th>first seen</th>
						</tr>
					</thead>
					<tbody>
						{payments.map((p) => (
							<tr>
								<td data-label="status">
									<Badge
										tone={
											p.status === "succeeded"
												? "ok"
												: p.status === "failed" || p.status === "disputed"
													? "bad"
													: "muted"
										}
									>
										{p.status}
									</Badge>
									{p.dispute_reason && (
										<span class="err"> {p.dispute_reason}</span>
									)}
								</td>
								<td data-label="amount">
									{formatMoney(p.amount, p.currency)}
									{p.amount_refunded !== "0" &&
										` (refunded ${formatMoney(p.amount_refunded, p.currency)})`}
								</td>
								<td data-label="references">{p.refs.join(" ")}</td>
								<td data-label="first seen">
									<When at={p.first_seen_at} now={now} />
								</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
			<h3>Subscriptions</h3>
			{subscriptions.length === 0 ? (
				<p class="muted">No subscriptions.</p>
			) : (
				<ul>
					{subscriptions.map((s) => (
						<li>
							{`${s.provider_ref}: ${s.effective_status ?? "status unknown"}, ${s.plan ?? "plan unknown"}`}
							{s.status !== null && s.status !== s.effective_status && (
								<span class="muted">{` (Stripe last said ${s.status}; a newer ${s.effective_status === "past_due" ? "failed payment" : "payment"} changed it)`}</span>
							)}
							{s.cancel_at_period_end ? " (cancels at period end)" : ""}
							{s.current_period_end &&
								` — period ends ${utc(s.current_period_end)}`}
						</li>
					))}
				</ul>
			)}
			<h3>Tickets</h3>
			{tickets.length === 0 ? (
				<p class="muted">No tickets.</p>
			) : (
				<ul>
					{tickets.map((t) => (
						<li>
							<Badge tone={t.status === "open" ? "wait" : "muted"}>
								{t.status}
							</Badge>{" "}
							{t.external_ref ? `#${t.external_ref} ` : ""}
							{t.subject}{" "}
							<span class="muted">
								({t.category}, {t.priority})
							</span>
						</li>
					))}
				</ul>
			)}
		</section>
	);
};

const IntegrationCard: FC<{
	item: Integration;
	csrf: string;
	returnTo: string;
	now: number;
}> = ({ item, csrf, returnTo, now }) => (
	<div class={`integration ${item.tone}`} data-destination={item.destination}>
		<h3>
			{item.name} <Badge tone={item.tone}>{STATE_WORDS[item.state]}</Badge>
			{!item.configured && <span class="muted"> (not configured)</span>}
		</h3>
		<p>{item.summary}</p>
		{item.state !== "ok" && item.last_success && (
			<p class="muted">
				Last success: {actionName(item.last_success.action)}{" "}
				<When at={item.last_success.at} now={now} />
				{item.last_success.external_ref &&
					` — ${describeRef(item.destination, item.last_success.action, item.last_success.external_ref)}`}
			</p>
		)}
		{item.dead.map((d) => (
			<div class="dead">
				<p class="err">
					{`${actionName(d.action)}, ${d.attempts} attempts`}
					{/* One dead delivery: its error is the summary above. Several: each says its own. */}
					{item.dead.length > 1 && ` — ${d.last_error ?? "no error recorded"}`}
				</p>
				<ReplayForm id={d.id} csrf={csrf} returnTo={returnTo} />
			</div>
		))}
		{item.skipped && (
			<div class="skipped">
				{/* When skipped is the card's state, the summary above already says why. */}
				{item.state !== "skipped" && (
					<p class="muted">{item.skipped.summary}</p>
				)}
				<ReplayForm id={item.skipped.id} csrf={csrf} returnTo={returnTo} />
			</div>
		)}
		{item.waiting.map((d) => (
			<p class="wait">
				{d.summary}
				{d.last_error && (
					<span class="muted">{` — last try: ${d.last_error}`}</span>
				)}
			</p>
		))}
	</div>
);

export const CustomerPage: FC<{
	frame: PageFrame & { csrf: string };
	view: CustomerView;
	now: number;
	notice?: string | undefined;
}> = ({ frame, view, now, notice }) => {
	const c = view.customer;
	const returnTo = `/admin/customers/${c.id}`;
	const busy = view.integrations.some((i) => i.waiting.length > 0);
	return (
		<Layout {...frame} section="customers" refresh={busy ? 3 : undefined}>
			<h1>{c.name ?? c.email ?? "Unnamed customer"}</h1>
			<p class="sub">
				{[c.email, c.app_user_id && `app user ${c.app_user_id}`, `id ${c.id}`]
					.filter(Boolean)
					.join(" · ")}
			</p>
			{view.merged_from && (
				<p class="notice">{`The record ${view.merged_from} was merged into this one.`}</p>
			)}
			<Notice text={notice} />
			<p class="headline">{view.headline}</p>
			<div class="grid2">
				<Business view={view} now={now} />
				<section class="panel" aria-labelledby="integrations">
					<h2 id="integrations">Integration state</h2>
					{view.integrations.map((item) => (
						<IntegrationCard
							item={item}
							csrf={frame.csrf}
							returnTo={returnTo}
							now={now}
						/>
					))}
					<p>
						<a href={`/admin/deliveries?customer_id=${c.id}`}>
							All deliveries of this customer
						</a>
						{" · "}
						<a href={`/admin/events?customer_id=${c.id}`}>All events</a>
					</p>
				</section>
			</div>
			<section aria-labelledby="timeline">
				<h2 id="timeline">Timeline</h2>
				{view.timeline_truncated && (
					<p class="muted">Older entries are not shown.</p>
				)}
				<ol class="timeline">
					{view.timeline.map((item) => (
						<li>
							<When at={item.at} now={now} />
							<div>
								<Badge tone={item.tone}>{item.type}</Badge> {item.summary}
								{item.detail && <div class="d">{item.detail}</div>}
								{item.type === "event" && item.event_id && (
									<div class="d">
										<a href={`/admin/events/${item.event_id}`}>event</a>
									</div>
								)}
							</div>
						</li>
					))}
				</ol>
			</section>
		</Layout>
	);
};
