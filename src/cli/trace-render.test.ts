import { describe, expect, it } from "vitest";
import type { Trace, TraceEntry } from "../store/index.ts";
import { painter, visibleLength } from "./terminal.ts";
import { renderTrace } from "./trace-render.ts";
import { traceSummary } from "./trace-summary.ts";

const DEAD_HUBSPOT = "0190a0a0-0000-7000-8000-00000000dead";
const CORRELATION = "0190a0a0-1111-7000-8000-0000c0441a71";

function entry(
	n: number,
	kind: TraceEntry["kind"],
	status: string | null,
	summary: string,
	detail: string | null = null,
	id = `0190a0a0-0000-7000-8000-${String(n).padStart(12, "0")}`,
): TraceEntry {
	return {
		at: new Date(Date.UTC(2026, 11, 5, 23, 59, 58) + n * 1000),
		kind,
		id,
		parent: null,
		status,
		summary,
		detail,
		correlation_id: kind === "event" ? CORRELATION : null,
	};
}

/** A paid customer whose ticket was made and whose CRM sync died on a long HubSpot error. */
const TRACE: Trace = {
	query: "ada@example.com",
	matched: ["customer"],
	customers: [
		{
			id: "0190a0a0-2222-7000-8000-000000000001",
			email: "ada@example.com",
			name: "Ada Lovelace",
			plan: "price_1PzProMonthlyWithAVeryLongIdentifier",
			plan_status: "active",
			tier: "pro",
			lifecycle_stage: "customer",
			merged_into: null,
			identities: [],
		},
	],
	log_keys: [],
	truncated: false,
	entries: [
		entry(
			1,
			"event",
			"processed",
			"stripe checkout.session.completed → payment_succeeded",
			"evt_1PzCheckoutSessionCompleted0123456789 · occurred 2026-12-05T23:59:58Z",
		),
		entry(2, "change", "payment_succeeded", "paid 49.00 USD for plan pro"),
		entry(
			3,
			"delivery",
			"dead",
			"hubspot crm_sync, 3 attempts",
			`permanent failure, 3 attempts: HubSpot rejected the contact (400): ${"Property values were not valid: lifecyclestage must be one of subscriber, lead, customer; ".repeat(3)}`,
			DEAD_HUBSPOT,
		),
		entry(
			4,
			"attempt",
			"permanent",
			"hubspot crm_sync #3 · HTTP 400 · 212 ms",
			"HubSpot rejected the contact (400)",
		),
		entry(
			5,
			"delivery",
			"succeeded",
			"zendesk create_ticket (billing_escalation), 1 attempt",
			"ref 123",
		),
		entry(6, "alert", "open", "critical · Delivery dead: hubspot crm_sync"),
		// The alert's own notification: about Plumb, not the customer, so not in the summary.
		entry(
			7,
			"delivery",
			"skipped",
			"email notify (dead_delivery), 1 attempt",
			"E-mail is not configured",
		),
	],
};

describe("renderTrace", () => {
	it("starts with the one-line answer", () => {
		expect(traceSummary(TRACE)).toBe(
			"paid · HubSpot dead: 400 Property values were not valid: … · ticket #123 · 1 open alert",
		);
		const [, summary] = renderTrace(TRACE, { paint: painter(false) }).split(
			"\n",
		);
		expect(summary).toBe(traceSummary(TRACE));
	});

	it("fits 100 columns, wrapping long text, and keeps every id whole", () => {
		const text = renderTrace(TRACE, { paint: painter(false) });
		const lines = text.split("\n");
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
		expect(lines).toContain("── 2026-12-05");
		expect(lines).toContain("── 2026-12-06");
		expect(text).toMatch(/delivery\s+dead\s+hubspot crm_sync, 3 attempts/);
		expect(text).toContain(`↳ id ${DEAD_HUBSPOT}`);
		expect(text).toContain(`↳ correlation ${CORRELATION}`);
		// The long error: cut after three lines, with an ellipsis.
		const detail = lines.findIndex((l) => l.includes(`id ${DEAD_HUBSPOT}`));
		expect(lines[detail + 2]).toMatch(/…$/);
		expect(lines[detail + 3]).toMatch(/^\d\d:\d\d/);
		// Narrower terminals get their own width.
		for (const line of renderTrace(TRACE, {
			width: 72,
			paint: painter(false),
		}).split("\n"))
			expect(line.length).toBeLessThanOrEqual(72);
	});

	it("colours status words when asked, and is plain otherwise", () => {
		const plain = renderTrace(TRACE, { paint: painter(false) });
		expect(plain).not.toContain("\u001b[");
		const coloured = renderTrace(TRACE, { paint: painter(true) });
		expect(coloured).toContain("\u001b[31mdead");
		expect(coloured).toContain("\u001b[32msucceeded");
		expect(coloured).toContain("\u001b[1mpaid · HubSpot dead: 400");
		for (const line of coloured.split("\n"))
			expect(visibleLength(line)).toBeLessThanOrEqual(100);
	});
});
