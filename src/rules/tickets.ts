/** Support tickets: issue keys, categories, priority from category + tier (PRODUCT §5). */
import type { TicketCategory, TicketPriority, Tier } from "../core/index.ts";

/** PRODUCT §5 priority table: rows are categories, columns tiers. */
const PRIORITY: Record<TicketCategory, Record<Tier, TicketPriority>> = {
	dispute: { free: "urgent", standard: "urgent", pro: "urgent" },
	billing_issue: { free: "high", standard: "high", pro: "urgent" },
	refund_request: { free: "high", standard: "high", pro: "urgent" },
	account_access: { free: "high", standard: "high", pro: "urgent" },
	onboarding_blocker: { free: "normal", standard: "normal", pro: "high" },
	bug: { free: "normal", standard: "normal", pro: "high" },
	other: { free: "low", standard: "normal", pro: "normal" },
};

export function priorityFor(
	category: TicketCategory,
	tier: Tier,
): TicketPriority {
	return PRIORITY[category][tier];
}

const CATEGORIES = new Set<string>(Object.keys(PRIORITY));

/** A category from outside (client hint, stored event) that we do not know becomes `other`. */
export function toCategory(value: string | undefined): TicketCategory {
	return value !== undefined && CATEGORIES.has(value)
		? (value as TicketCategory)
		: "other";
}

/** Tags Plumb puts on a ticket: the category, plus `plumb` so agents can filter ours. */
export function tagsFor(category: TicketCategory): string[] {
	return ["plumb", category];
}

export const issueKeys = {
	support: (customerId: string, category: TicketCategory) =>
		`support:${customerId}:${category}`,
	billing: (customerId: string, firstFailure: Date) =>
		`billing:${customerId}:${firstFailure.toISOString().slice(0, 10)}`,
	dispute: (disputeId: string) => `dispute:${disputeId}`,
};

/** A subject line from the customer's own words when they gave none: one line, bounded. */
export function subjectFrom(
	subject: string | undefined,
	message: string,
): string {
	const line = (
		subject?.trim() ||
		message.trim().split(/\r?\n/)[0] ||
		"Support request"
	).replace(/\s+/g, " ");
	return line.length > 120 ? `${line.slice(0, 117)}…` : line;
}
