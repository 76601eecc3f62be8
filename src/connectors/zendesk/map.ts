/** Pure mapping from Plumb's ticket payloads to Zendesk Support API bodies (zendesk/oas.plumb-subset). */
import { createHash } from "node:crypto";
import { z } from "zod";
import {
	type AddCommentPayload,
	type CreateTicketPayload,
	TICKET_CATEGORIES,
	type TicketCategory,
} from "../../core/index.ts";
import { escapeHtml, isWebUrl, oneLine } from "../text.ts";

const PRIORITIES = ["urgent", "high", "normal", "low"] as const;

/** An optional field: JSON has no `undefined`, so a stored payload may carry `null` for "unknown". */
const optional = <T extends z.ZodType>(schema: T) =>
	schema.nullish().transform((value) => value ?? undefined);

export const createTicketPayloadSchema = z.object({
	ticket_id: z.string().min(1),
	issue_key: z.string().min(1).max(255),
	category: z.enum(TICKET_CATEGORIES),
	priority: z.enum(PRIORITIES),
	subject: z.string(),
	message: z.string(),
	tags: z.array(z.string()),
	requester: z.object({
		email: z.string().min(3),
		name: optional(z.string()),
	}),
	context: z.object({
		customer_id: z.string(),
		app_user_id: optional(z.string()),
		plan: optional(z.string()),
		plan_status: optional(z.string()),
		tier: z.enum(["free", "standard", "pro"]),
		payment_ref: optional(z.string()),
		customer_url: z.string(),
	}),
	attachments: optional(z.array(z.string())),
}) satisfies z.ZodType<CreateTicketPayload>;

export const addCommentPayloadSchema = z.object({
	ticket_id: z.string().min(1),
	issue_key: z.string().min(1).max(255),
	external_ref: optional(z.string()),
	message: z.string(),
	attachments: optional(z.array(z.string())),
}) satisfies z.ZodType<AddCommentPayload>;

/** Zendesk statuses after which a ticket no longer takes a repeat of its issue (PRODUCT §5 "Issue key"). */
export const FINISHED_STATUSES: ReadonlySet<string> = new Set([
	"solved",
	"closed",
]);

// Longest customer text we quote; Zendesk comments hold far more, agents read far less.
const MAX_MESSAGE_CHARS = 20_000;
// Zendesk shows about this much of a subject in lists and e-mail.
const MAX_SUBJECT_CHARS = 150;

/**
 * Tags come from the category alone (plus `plumb`, so Zendesk views and the webhook trigger can pick
 * Plumb's tickets). Tags in the payload are kept only when they are themselves category tags, so no
 * text can ever add a privileged tag such as `refund_approved`.
 */
export function ticketTags(
	category: TicketCategory,
	requested: readonly string[],
): string[] {
	const allowed = new Set<string>(TICKET_CATEGORIES);
	const tags = ["plumb", category, ...requested.filter((t) => allowed.has(t))];
	return [...new Set(tags)];
}

/** A short stable marker of one delivery, written into its comment so a retry can see it landed. */
export function deliveryMarker(idempotencyKey: string): string {
	return `plumb-${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 16)}`;
}

/** Customer or chatbot words as an escaped quote: data shown to an agent, never markup or a link. */
function quoted(message: string): string {
	const text =
		message.length > MAX_MESSAGE_CHARS
			? `${message.slice(0, MAX_MESSAGE_CHARS)}… (truncated)`
			: message;
	return `<blockquote>${escapeHtml(text.trim()).replace(/\r?\n/g, "<br>")}</blockquote>`;
}

function attachmentList(urls: readonly string[] | undefined): string {
	if (urls === undefined || urls.length === 0) return "";
	// Listed as text, not links: the customer chose these URLs.
	const items = urls.map((url) => `<li>${escapeHtml(oneLine(url, 500))}</li>`);
	return `<p><strong>Attachments (as sent, not opened):</strong></p><ul>${items.join("")}</ul>`;
}

/** Only http(s) links are rendered; anything else (javascript:, data:) is shown as text. */
function dashboardLink(url: string): string {
	if (!isWebUrl(url)) return `<p>Plumb page: ${escapeHtml(url)}</p>`;
	return `<p><a href="${escapeHtml(url)}">Open this customer in Plumb</a></p>`;
}

function footer(marker: string): string {
	return `<p>Plumb reference: ${escapeHtml(marker)}</p>`;
}

/** The private first comment: the customer's words, then everything an agent needs to act. */
export function ticketCommentHtml(
	payload: CreateTicketPayload,
	marker: string,
): string {
	const c = payload.context;
	const facts: Array<[string, string | undefined]> = [
		["Category", payload.category],
		["App user id", c.app_user_id],
		["Plan", c.plan],
		["Plan status", c.plan_status],
		["Tier", c.tier],
		["Latest payment reference", c.payment_ref],
		["Plumb customer id", c.customer_id],
	];
	const lines = facts.map(
		([label, value]) =>
			`<strong>${label}:</strong> ${escapeHtml(oneLine(value ?? "unknown", 300))}`,
	);
	return [
		"<p><strong>Message from the customer</strong> (quoted as written):</p>",
		quoted(payload.message),
		`<p>${lines.join("<br>")}</p>`,
		attachmentList(payload.attachments),
		dashboardLink(c.customer_url),
		footer(marker),
	].join("");
}

/** The comment a repeat of the same issue adds to the open ticket. */
export function repeatCommentHtml(
	payload: AddCommentPayload,
	marker: string,
): string {
	return [
		"<p><strong>The customer wrote again</strong> (quoted as written):</p>",
		quoted(payload.message),
		attachmentList(payload.attachments),
		footer(marker),
	].join("");
}

/** POST /api/v2/tickets body (`TicketCreateRequest`); `requester` creates the end user if needed. */
export function createTicketBody(payload: CreateTicketPayload, marker: string) {
	const subject =
		oneLine(payload.subject, MAX_SUBJECT_CHARS) ||
		`Support request (${payload.category})`;
	const email = payload.requester.email.trim();
	const name =
		oneLine(payload.requester.name ?? "", 255) || email.split("@")[0] || email;
	return {
		ticket: {
			subject,
			comment: { html_body: ticketCommentHtml(payload, marker), public: false },
			requester: { email, name },
			external_id: payload.issue_key,
			tags: ticketTags(payload.category, payload.tags),
			priority: payload.priority,
		},
	};
}

/** PUT /api/v2/tickets/{id} body (`TicketUpdateRequest`) adding one private comment. */
export function addCommentBody(payload: AddCommentPayload, marker: string) {
	return {
		ticket: {
			comment: { html_body: repeatCommentHtml(payload, marker), public: false },
		},
	};
}
