/**
 * The first line of `plumb trace`: the answer in one line, before the table that proves it —
 * "paid · CRM synced · ticket #123 · HubSpot dead: 400 …". Read from the trace's own entries.
 */
import type { Trace, TraceEntry } from "../store/index.ts";
import { wrap } from "./terminal.ts";

/** What the newest money or lifecycle event says about the customer, by canonical type. */
const EVENT_WORDS: Readonly<Record<string, string>> = {
	payment_succeeded: "paid",
	payment_failed: "payment failed",
	subscription_updated: "subscription changed",
	subscription_canceled: "subscription canceled",
	refund_issued: "refunded",
	dispute_opened: "disputed",
	dispute_closed: "dispute closed",
	signup: "signed up",
	lead_captured: "lead captured",
	chat_started: "chat started",
	support_requested: "asked for support",
	ticket_closed: "ticket closed",
	customer_deleted: "customer deleted",
};

const VENDORS: Readonly<Record<string, string>> = {
	hubspot: "HubSpot",
	zendesk: "Zendesk",
	slack: "Slack",
	email: "E-mail",
};

/** What a delivery that went through says, by `destination action`. */
const DONE_WORDS: Readonly<
	Record<string, (ref: string | undefined) => string>
> = {
	"hubspot crm_sync": () => "CRM synced",
	"zendesk create_ticket": (ref) => (ref ? `ticket #${ref}` : "ticket created"),
	"zendesk add_comment": () => "ticket updated",
	"slack notify": () => "Slack notified",
	"email notify": () => "e-mailed",
};

/** The longest a failure's reason may be in the summary: the table below has the rest. */
const REASON_CHARS = 40;

/** "hubspot crm_sync (kind), 2 attempts" → "hubspot crm_sync". */
function deliveryKey(entry: TraceEntry): string {
	return entry.summary
		.split(/[ ,(]+/)
		.slice(0, 2)
		.join(" ");
}

/** "ref 123 · permanent failure, 3 attempts: rejected (400)" → the ref and the reason apart. */
function deliveryDetail(detail: string | null): {
	ref: string | undefined;
	reason: string | undefined;
} {
	const parts = (detail ?? "").split(" · ");
	const ref = parts[0]?.startsWith("ref ")
		? parts.shift()?.slice(4)
		: undefined;
	const reason = parts
		.join(" · ")
		.replace(/^permanent failure, \d+ attempts?: /, "")
		.trim();
	return { ref, reason: reason === "" ? undefined : reason };
}

/**
 * The reason cut at a word, so the summary stays one line: "HubSpot refused the request (400):
 * VALIDATION_ERROR: …" → "400 VALIDATION_ERROR: …" (the vendor is already named).
 */
function short(text: string): string {
	const status = /^.*?\((\d{3})\):?\s*(.*)$/.exec(text);
	const said = status ? `${status[1]} ${status[2]}`.trim() : text;
	return wrap(said, REASON_CHARS, 1)[0] ?? "";
}

function deliveryWords(entry: TraceEntry): string | undefined {
	const key = deliveryKey(entry);
	const vendor = VENDORS[key.split(" ")[0] ?? ""] ?? key;
	const { ref, reason } = deliveryDetail(entry.detail);
	switch (entry.status) {
		case "succeeded":
			return DONE_WORDS[key]?.(ref) ?? `${vendor} done`;
		case "dead":
			return `${vendor} dead${reason ? `: ${short(reason)}` : ""}`;
		case "retry_pending":
			return `${vendor} retrying${reason ? `: ${short(reason)}` : ""}`;
		case "pending":
		case "running":
			return `${vendor} ${key.endsWith("crm_sync") ? "sync" : "call"} waiting`;
		case "skipped":
			return `${vendor} not configured`;
		default:
			return undefined;
	}
}

/** The one-line answer; "" when the trace is empty. */
export function traceSummary(trace: Trace): string {
	const byTime = [...trace.entries].sort(
		(a, b) => b.at.getTime() - a.at.getTime(),
	);
	const words: string[] = [];
	const event = byTime.find(
		(entry) =>
			entry.kind === "event" &&
			EVENT_WORDS[entry.summary.split(" ").pop() ?? ""] !== undefined,
	);
	if (event)
		words.push(EVENT_WORDS[event.summary.split(" ").pop() ?? ""] ?? "");
	// The newest delivery of each destination and action tells where that side effect stands; CRM
	// first, then tickets, then notifications, whatever order they ran in.
	const newest = new Map<string, TraceEntry>();
	for (const entry of byTime)
		if (entry.kind === "delivery" && !newest.has(deliveryKey(entry)))
			newest.set(deliveryKey(entry), entry);
	const rank = (key: string) =>
		Object.keys(VENDORS).indexOf(key.split(" ")[0] ?? "");
	for (const [key, entry] of [...newest].sort(
		([a], [b]) => rank(a) - rank(b),
	)) {
		// Alert notifications are about Plumb, not the customer: only a dead one is worth the line.
		if (key.endsWith(" notify") && entry.status !== "dead") continue;
		const said = deliveryWords(entry);
		if (said !== undefined && !words.includes(said)) words.push(said);
	}
	const open = new Set(
		trace.entries
			.filter((entry) => entry.kind === "alert" && entry.status === "open")
			.map((entry) => entry.id),
	);
	const closed = new Set(
		trace.entries
			.filter(
				(entry) =>
					entry.kind === "alert" &&
					(entry.status === "resolved" || entry.status === "acknowledged"),
			)
			.map((entry) => entry.id),
	);
	const alerts = [...open].filter((id) => !closed.has(id)).length;
	if (alerts > 0)
		words.push(`${alerts} open ${alerts === 1 ? "alert" : "alerts"}`);
	return words.join(" · ");
}
