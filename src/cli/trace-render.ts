/**
 * `plumb trace` as people read it: the one-line answer, the customer, then one row per entry in time
 * order, all within `width` columns (100 by default): descriptions wrap onto a second line, details
 * onto up to three. A delivery's detail line starts with its full id (for `plumb replay`), an
 * event's with its correlation id; --json has every id. Colour marks what went well and what did not, when `paint` colours.
 */
import type { Trace, TraceEntry } from "../store/index.ts";
import { clip, oneLine, type Paint, wrap } from "./terminal.ts";
import { traceSummary } from "./trace-summary.ts";

export const TRACE_WIDTH = 100;

const WHAT: Readonly<Record<TraceEntry["kind"], string>> = {
	event: "event",
	change: "state",
	delivery: "delivery",
	attempt: "attempt",
	alert: "alert",
	intervention: "manual",
};

const GOOD = new Set(["succeeded", "processed", "resolved", "paid"]);
const BAD = new Set(["dead", "failed", "permanent", "open", "disputed"]);
const WAITING = new Set([
	"pending",
	"running",
	"retry_pending",
	"retry",
	"skipped",
	"acknowledged",
	"fenced",
]);

/** Widths of the fixed columns: time of day (the date has its own line), what, status. */
const TIME = 12;
const KIND = 8;
const STATUS_MAX = 17;
const GAP = 2;
const DESCRIPTION_LINES = 2;
const DETAIL_LINES = 3;

export function renderTrace(
	trace: Trace,
	options: { width?: number; paint: Paint },
): string {
	const width = options.width ?? TRACE_WIDTH;
	const { paint } = options;
	const out: string[] = [];
	const matched =
		trace.matched.length > 0 ? ` (matched: ${trace.matched.join(", ")})` : "";
	out.push(
		paint.bold(
			clip(`Trace of ${JSON.stringify(trace.query)}${matched}`, width),
		),
	);
	if (trace.entries.length === 0) {
		out.push("Plumb knows nothing by that name.", "");
		return out.join("\n");
	}
	const summary = traceSummary(trace);
	if (summary !== "") out.push(paint.bold(clip(summary, width)));
	out.push("");
	for (const customer of trace.customers) {
		const facts = [
			customer.email,
			customer.name,
			customer.plan
				? `plan ${customer.plan}${customer.plan_status ? ` (${customer.plan_status})` : ""}`
				: undefined,
			`tier ${customer.tier}`,
			customer.lifecycle_stage
				? `lifecycle ${customer.lifecycle_stage}`
				: undefined,
			customer.merged_into ? `merged into ${customer.merged_into}` : undefined,
		].filter(Boolean);
		out.push(
			...indented(`Customer ${customer.id} · ${facts.join(" · ")}`, 2, width),
		);
		const keys = trace.log_keys.find((k) => k.customer_id === customer.id);
		if (keys?.user_hash)
			out.push(
				...indented(
					`in the logs: user_hash ${keys.user_hash}${keys.identities.map((i) => ` · ${i.user_hash} (${i.kind})`).join("")}`,
					2,
					width - 2,
				).map((line) => `  ${paint.dim(line)}`),
			);
	}
	if (trace.customers.length > 0) out.push("");
	out.push(...table(trace.entries, width, paint));
	if (trace.truncated)
		out.push(
			"",
			"(Some lists were long: only the newest rows of each are shown.)",
		);
	out.push("");
	return out.join("\n");
}

/** `text` wrapped to `width`, lines after the first indented by `indent`. */
function indented(text: string, indent: number, width: number): string[] {
	const [first = "", ...rest] = wrap(text, width, 4);
	const tail = rest.join(" ");
	return tail === ""
		? [first]
		: [
				first,
				...wrap(tail, width - indent, 3).map(
					(line) => `${" ".repeat(indent)}${line}`,
				),
			];
}

function table(
	entries: readonly TraceEntry[],
	width: number,
	paint: Paint,
): string[] {
	const statusWidth = Math.min(
		STATUS_MAX,
		Math.max("STATUS".length, ...entries.map((e) => (e.status ?? "").length)),
	);
	const descriptionAt = TIME + GAP + KIND + GAP + statusWidth + GAP;
	const descriptionWidth = Math.max(20, width - descriptionAt);
	const detailAt = TIME + GAP;
	const pad = (text: string, n: number) => clip(text, n).padEnd(n);
	const lines = [
		paint.bold(
			[
				pad("TIME (UTC)", TIME),
				pad("WHAT", KIND),
				pad("STATUS", statusWidth),
				"DESCRIPTION",
			].join(" ".repeat(GAP)),
		),
	];
	let day = "";
	for (const entry of entries) {
		const [date = "", time = ""] = entry.at.toISOString().split(/[TZ]/);
		if (date !== day) {
			day = date;
			lines.push(paint.dim(`── ${date}`));
		}
		const status = entry.status ?? "";
		const [first = "", ...more] = wrap(
			entry.summary,
			descriptionWidth,
			DESCRIPTION_LINES,
		);
		lines.push(
			[
				paint.dim(pad(time, TIME)),
				pad(WHAT[entry.kind], KIND),
				colour(status, paint)(pad(status, statusWidth)),
				first,
			]
				.join(" ".repeat(GAP))
				.trimEnd(),
			...more.map((line) => `${" ".repeat(descriptionAt)}${line}`),
		);
		const detail = oneLine(
			[
				// Ids first, so a line break never splits "correlation <id>" from its id.
				entry.kind === "delivery" ? `id ${entry.id}` : null,
				entry.kind === "event" && entry.correlation_id
					? `correlation ${entry.correlation_id}`
					: null,
				entry.detail,
			]
				.filter(Boolean)
				.join(" · "),
		);
		if (detail !== "")
			lines.push(
				...wrap(`↳ ${detail}`, width - detailAt - 2, DETAIL_LINES).map(
					(line, index) =>
						`${" ".repeat(detailAt + (index > 0 ? 2 : 0))}${paint.dim(line)}`,
				),
			);
	}
	return lines;
}

function colour(status: string, paint: Paint): (text: string) => string {
	if (GOOD.has(status)) return paint.green;
	if (BAD.has(status)) return paint.red;
	if (WAITING.has(status)) return paint.yellow;
	return (text) => text;
}
