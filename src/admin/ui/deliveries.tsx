/** Deliveries: filtered by status and destination, with the last error, attempts and next try; replays. */
import type { FC } from "hono/jsx";
import { DESTINATION_NAMES } from "../../core/index.ts";
import { actionName, deliveryState } from "../describe.ts";
import type { DeliveryListItem } from "../view-types.ts";
import { Layout, type PageFrame } from "./layout.tsx";
import {
	CsrfField,
	Filters,
	ListTable,
	Notice,
	Pager,
	ReplayForm,
	When,
} from "./parts.tsx";

const REPLAYABLE = new Set(["dead", "skipped", "retry_pending"]);

export const DeliveriesPage: FC<{
	frame: PageFrame & { csrf: string };
	items: DeliveryListItem[];
	/** A name or e-mail per customer id on this page. */
	customers: Readonly<Record<string, string>>;
	/** Dead or skipped deliveries the bulk replay would take (0 under any other filter). */
	replayable: number;
	next: string | null;
	query: Record<string, string | undefined>;
	statuses: readonly string[];
	destinations: readonly string[];
	returnTo: string;
	notice?: string | undefined;
	now: number;
}> = (p) => {
	const busy = p.items.some(
		(d) =>
			d.status === "pending" ||
			d.status === "running" ||
			(d.status === "retry_pending" &&
				d.next_attempt_at.getTime() - p.now < 60_000),
	);
	const bulk = p.query.status;
	const destination = p.query.destination as
		| keyof typeof DESTINATION_NAMES
		| undefined;
	return (
		<Layout {...p.frame} section="deliveries" refresh={busy ? 5 : undefined}>
			<h1>Deliveries</h1>
			<Notice text={p.notice} />
			<Filters
				action="/admin/deliveries"
				query={p.query}
				choices={[
					{ name: "status", options: p.statuses },
					{ name: "destination", options: p.destinations },
				]}
				search="e-mail, id, cus_…, ticket id"
			/>
			{p.replayable > 0 && (
				<p>
					<a
						class="bulk"
						href={`/admin/deliveries/replay?${new URLSearchParams({ status: bulk ?? "", ...(destination ? { destination } : {}) })}`}
					>
						{`Replay all ${p.replayable} ${bulk} deliver${p.replayable === 1 ? "y" : "ies"}${destination ? ` to ${DESTINATION_NAMES[destination] ?? destination}` : ""}…`}
					</a>
				</p>
			)}
			<ListTable
				count={p.items.length}
				empty="No deliveries match."
				headers={[
					"queued",
					"customer",
					"what",
					"state",
					"attempts",
					"last error",
					"",
				]}
			>
				{p.items.map((d) => {
					const state = deliveryState(d, p.now);
					return (
						<tr data-delivery={d.id} data-status={d.status}>
							<td data-label="queued">
								<When at={d.created_at} now={p.now} />
							</td>
							<td data-label="customer">
								{d.customer_id ? (
									<a href={`/admin/customers/${d.customer_id}`}>
										{p.customers[d.customer_id] ?? "customer"}
									</a>
								) : (
									<span class="muted">—</span>
								)}
							</td>
							<td data-label="what">
								{`${DESTINATION_NAMES[d.destination]} ${actionName(d.action)}`}
								{d.event_id && (
									<>
										{" "}
										<a class="muted" href={`/admin/events/${d.event_id}`}>
											event
										</a>
									</>
								)}
							</td>
							<td data-label="state" class={`state ${state.tone}`}>
								{state.label}
							</td>
							<td data-label="attempts">{d.attempts}</td>
							{/* A skip reason is in the state; only a failure is an error. */}
							<td
								data-label="last error"
								class={state.tone === "bad" ? "err" : "muted"}
							>
								{d.status === "skipped" ? "" : (d.last_error ?? "")}
							</td>
							<td>
								{REPLAYABLE.has(d.status) && (
									<ReplayForm
										id={d.id}
										csrf={p.frame.csrf}
										returnTo={p.returnTo}
									/>
								)}
							</td>
						</tr>
					);
				})}
			</ListTable>
			<Pager path="/admin/deliveries" query={p.query} next={p.next} />
		</Layout>
	);
};

/** The confirmation step of a bulk replay: how many, to where, a checkbox and a reason. */
export const BulkReplayPage: FC<{
	frame: PageFrame & { csrf: string };
	status: "dead" | "skipped";
	destination: string | undefined;
	count: number;
}> = ({ frame, status, destination, count }) => {
	const where = destination
		? ` to ${DESTINATION_NAMES[destination as keyof typeof DESTINATION_NAMES]}`
		: "";
	const back = `/admin/deliveries?status=${status}${destination ? `&destination=${destination}` : ""}`;
	return (
		<Layout {...frame} section="deliveries">
			<h1>{`Replay ${count} ${status} deliver${count === 1 ? "y" : "ies"}${where}`}</h1>
			{count === 0 ? (
				<p>
					There is nothing to replay.{" "}
					<a href={back}>{`Back to ${status} deliveries`}</a>
				</p>
			) : (
				<form method="post" action="/admin/deliveries/replay" class="panel">
					<CsrfField token={frame.csrf} />
					<input type="hidden" name="status" value={status} />
					{destination && (
						<input type="hidden" name="destination" value={destination} />
					)}
					<p>
						Each goes back in the queue now with a fresh retry budget (the same
						idempotency key, so nothing is created twice).{" "}
						{status === "dead"
							? "Fix the cause first, or they will die again."
							: "Configure the destination first, or they will be skipped again."}
					</p>
					<p>
						<label>
							<input type="checkbox" name="confirm" value="yes" required />{" "}
							{`I fixed the cause; replay all ${count}.`}
						</label>
					</p>
					<p>
						<input
							class="reason"
							name="reason"
							required
							maxlength={500}
							aria-label="Reason"
							placeholder="Why (goes into the audit log)"
						/>
					</p>
					<button type="submit" class="danger">{`Replay ${count}`}</button>{" "}
					<a href={back}>Cancel</a>
				</form>
			)}
		</Layout>
	);
};
