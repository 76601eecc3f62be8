/** Deliveries: filtered by status and destination, with the last error, attempts and next try; replays. */
import type { FC } from "hono/jsx";
import { DESTINATION_NAMES } from "../../core/index.ts";
import { actionName, deliveryState } from "../describe.ts";
import type { DeliveryListItem } from "../view-types.ts";
import { Layout, type PageFrame } from "./layout.tsx";
import {
	Badge,
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
	const deadFilter = p.query.status === "dead";
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
			{deadFilter && p.items.length > 0 && (
				<p>
					<a
						href={`/admin/deliveries/replay${p.query.destination ? `?destination=${p.query.destination}` : ""}`}
					>
						{`Replay every dead delivery${p.query.destination ? ` to ${DESTINATION_NAMES[p.query.destination as keyof typeof DESTINATION_NAMES]}` : ""}…`}
					</a>
				</p>
			)}
			<ListTable
				count={p.items.length}
				empty="No deliveries match."
				headers={[
					"queued",
					"what",
					"state",
					"attempts",
					"last error",
					"links",
					"",
				]}
			>
				{p.items.map((d) => {
					const state = deliveryState(d, p.now);
					return (
						<tr data-delivery={d.id}>
							<td data-label="queued">
								<When at={d.created_at} now={p.now} />
							</td>
							<td data-label="what">{`${DESTINATION_NAMES[d.destination]} ${actionName(d.action)}`}</td>
							<td data-label="state">
								<Badge tone={state.tone}>{d.status.replaceAll("_", " ")}</Badge>{" "}
								{state.label}
							</td>
							<td data-label="attempts">{d.attempts}</td>
							<td data-label="last error" class="err">
								{d.last_error ?? ""}
							</td>
							<td data-label="links">
								{d.customer_id && (
									<a href={`/admin/customers/${d.customer_id}`}>customer</a>
								)}{" "}
								{d.event_id && (
									<a href={`/admin/events/${d.event_id}`}>event</a>
								)}
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
	destination: string | undefined;
	count: number;
}> = ({ frame, destination, count }) => {
	const where = destination
		? ` to ${DESTINATION_NAMES[destination as keyof typeof DESTINATION_NAMES]}`
		: "";
	return (
		<Layout {...frame} section="deliveries">
			<h1>{`Replay ${count} dead deliver${count === 1 ? "y" : "ies"}${where}`}</h1>
			{count === 0 ? (
				<p>
					There is nothing to replay.{" "}
					<a href="/admin/deliveries?status=dead">Back to dead deliveries</a>
				</p>
			) : (
				<form method="post" action="/admin/deliveries/replay" class="panel">
					<CsrfField token={frame.csrf} />
					{destination && (
						<input type="hidden" name="destination" value={destination} />
					)}
					<p>
						Each goes back in the queue now with a fresh retry budget (the same
						idempotency key, so nothing is created twice). Fix the cause first,
						or they will die again.
					</p>
					<p>
						<label>
							<input type="checkbox" name="confirm" value="yes" required /> I
							fixed the cause; replay them all.
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
					<a href="/admin/deliveries?status=dead">Cancel</a>
				</form>
			)}
		</Layout>
	);
};
