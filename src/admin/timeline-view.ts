/**
 * A customer's merged timeline: every event applied, every delivery queued, every attempt and every
 * alert, in the order Plumb recorded them (oldest first), so it reads as the story of what happened.
 */
import { DESTINATION_NAMES } from "../core/index.ts";
import { type CustomerDetailRows, DETAIL_LIMITS } from "../store/index.ts";
import {
	actionName,
	deliveryState,
	describeRef,
	type Tone,
} from "./describe.ts";

export interface TimelineItem {
	at: Date;
	type: "event" | "delivery" | "attempt" | "alert";
	summary: string;
	detail: string | null;
	tone: Tone;
	event_id: string | null;
	delivery_id: string | null;
	alert_id: string | null;
}

/** How many entries the page and the API show (the newest). */
export const TIMELINE_SHOWN = 200;

export function buildTimeline(
	rows: CustomerDetailRows,
	now: number,
): { items: TimelineItem[]; truncated: boolean } {
	const items: TimelineItem[] = [];
	const none = { event_id: null, delivery_id: null, alert_id: null };
	for (const t of rows.timeline) {
		const stale = t.details.stale === true;
		items.push({
			...none,
			at: t.created_at,
			type: "event",
			summary: t.summary,
			detail: `${t.kind.replaceAll("_", " ")}${stale ? " — older than what Plumb already knew; kept as history" : ""}`,
			tone: "muted",
			event_id: t.event_id,
		});
	}
	const byId = new Map(rows.deliveries.map((d) => [d.id, d]));
	for (const d of rows.deliveries) {
		const state = deliveryState(d, now);
		items.push({
			...none,
			at: d.created_at,
			type: "delivery",
			summary: `${DESTINATION_NAMES[d.destination]} ${actionName(d.action)} queued`,
			detail: `now: ${state.label}`,
			tone: state.tone,
			event_id: d.event_id,
			delivery_id: d.id,
		});
	}
	for (const a of rows.attempts) {
		const d = byId.get(a.delivery_id);
		if (!d) continue;
		const name = `${DESTINATION_NAMES[d.destination]} ${actionName(d.action)}, attempt ${a.attempt}`;
		const status = a.http_status ? ` (${a.http_status})` : "";
		const outcome =
			a.outcome === "succeeded"
				? `succeeded${a.external_ref ? ` — ${describeRef(d.destination, d.action, a.external_ref)}` : ""}`
				: a.outcome === "retry"
					? `did not go through${status}; will retry`
					: a.outcome === "permanent"
						? `refused${status}`
						: a.outcome === "skipped"
							? "skipped"
							: a.outcome === "fenced"
								? "lost its lease; another try took over"
								: "in progress";
		items.push({
			...none,
			at: a.finished_at ?? a.started_at,
			type: "attempt",
			summary: `${name}: ${outcome}`,
			detail: a.error,
			tone:
				a.outcome === "succeeded"
					? "ok"
					: a.outcome === "permanent"
						? "bad"
						: a.outcome === null || a.outcome === "retry"
							? "wait"
							: "muted",
			event_id: d.event_id,
			delivery_id: d.id,
		});
	}
	for (const alert of rows.alerts) {
		items.push({
			...none,
			at: alert.created_at,
			type: "alert",
			summary: `Alert: ${alert.title} (${alert.status})`,
			detail: alert.body || null,
			tone: alert.status === "open" ? "bad" : "muted",
			event_id: alert.event_id,
			delivery_id: alert.delivery_id,
			alert_id: alert.id,
		});
	}
	items.sort((a, b) => a.at.getTime() - b.at.getTime());
	// A source read up to its cap is complete only back to its oldest row read: start the merged
	// timeline there, so no stretch shows one kind of entry and silently lacks another.
	const capped: Array<
		[readonly { created_at?: Date; started_at?: Date }[], number]
	> = [
		[rows.timeline, DETAIL_LIMITS.timeline],
		[rows.deliveries, DETAIL_LIMITS.deliveries],
		[rows.attempts, DETAIL_LIMITS.attempts],
		[rows.alerts, DETAIL_LIMITS.alerts],
	];
	let since = Number.NEGATIVE_INFINITY;
	for (const [list, cap] of capped) {
		const oldest = list.at(-1);
		const at = oldest?.created_at ?? oldest?.started_at;
		if (list.length >= cap && at) since = Math.max(since, at.getTime());
	}
	const complete = items.filter((item) => item.at.getTime() >= since);
	const truncated =
		complete.length < items.length || complete.length > TIMELINE_SHOWN;
	return { items: complete.slice(-TIMELINE_SHOWN), truncated };
}
