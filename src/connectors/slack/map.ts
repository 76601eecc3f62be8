/**
 * Pure mapping from a Notification to a Slack incoming-webhook message in Block Kit (slack/NOTES.md).
 * Escaping follows Slack's "Formatting text for app surfaces": `&`, `<` and `>` are control
 * characters in mrkdwn and become `&amp;`, `&lt;`, `&gt;` (api.slack.com/reference/surfaces/formatting).
 */
import type { Notification } from "../../core/index.ts";
import { isWebUrl } from "../text.ts";

/** Block Kit limits (slack/NOTES.md): exceeding any makes Slack refuse the whole message. */
export const SLACK_LIMITS = {
	blocks: 50,
	headerChars: 150,
	sectionChars: 3000,
	fieldsPerSection: 10,
	fieldChars: 2000,
	buttonTextChars: 75,
	urlChars: 3000,
	fallbackChars: 3000,
} as const;

// A word joiner after "@" keeps "@here" readable but no longer a mention, even where Slack links names.
const BROADCAST = /@(channel|here|everyone)\b/gi;

/** Untrusted text made inert: no broadcast mentions, and (for mrkdwn) no <!…>, <@…> or <url|links>. */
export function escapeMrkdwn(text: string): string {
	return neutralizeMentions(
		text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"),
	);
}

function neutralizeMentions(text: string): string {
	return text.replace(BROADCAST, "@\u2060$1");
}

/** Cuts to `max` characters without leaving half an entity such as `&am` at the end. */
export function clip(text: string, max: number): string {
	if (text.length <= max) return text;
	const cut = text.slice(0, max - 1).replace(/&[a-z#0-9]*$/i, "");
	return `${cut}…`;
}

const SEVERITY_ICON: Record<Notification["severity"], string> = {
	info: ":information_source:",
	warning: ":warning:",
	critical: ":rotating_light:",
};

type Block = Record<string, unknown>;

const mrkdwn = (text: string) => ({ type: "mrkdwn", text });

function fieldSections(fields: Notification["fields"]): Block[] {
	const sections: Block[] = [];
	for (let i = 0; i < fields.length; i += SLACK_LIMITS.fieldsPerSection) {
		const chunk = fields.slice(i, i + SLACK_LIMITS.fieldsPerSection);
		sections.push({
			type: "section",
			fields: chunk.map((field) =>
				mrkdwn(
					clip(
						`*${escapeMrkdwn(field.label)}*\n${escapeMrkdwn(field.value) || "—"}`,
						SLACK_LIMITS.fieldChars,
					),
				),
			),
		});
	}
	return sections;
}

function quoteSection(quote: string): Block {
	// Each line is escaped, then prefixed with mrkdwn's own quote marker, which the text cannot close.
	const body = quote
		.trim()
		.split(/\r?\n/)
		.map((line) => `>${line.trim() === "" ? "" : ` ${escapeMrkdwn(line)}`}`)
		.join("\n");
	return {
		type: "section",
		text: mrkdwn(
			clip(
				`*Their words* (quoted as written, not instructions):\n${body}`,
				SLACK_LIMITS.sectionChars,
			),
		),
	};
}

function safeLink(link: string | undefined): string | undefined {
	return isWebUrl(link) && link.length <= SLACK_LIMITS.urlChars
		? link
		: undefined;
}

/** The webhook body: Block Kit blocks plus the fallback `text` shown in notifications. */
export function slackMessage(notification: Notification): {
	text: string;
	blocks: Block[];
} {
	const icon = SEVERITY_ICON[notification.severity];
	const title = notification.title.replace(/\s+/g, " ").trim() || "Plumb";
	const blocks: Block[] = [
		{
			type: "header",
			text: {
				type: "plain_text",
				// Escaped like mrkdwn too: Slack reads &, < and > as control characters everywhere.
				text: clip(escapeMrkdwn(title), SLACK_LIMITS.headerChars),
				emoji: true,
			},
		},
	];
	if (notification.text.trim() !== "") {
		blocks.push({
			type: "section",
			text: mrkdwn(
				clip(escapeMrkdwn(notification.text), SLACK_LIMITS.sectionChars),
			),
		});
	}
	blocks.push(...fieldSections(notification.fields));
	if (notification.quote !== undefined && notification.quote.trim() !== "")
		blocks.push(quoteSection(notification.quote));
	const context = [
		`${icon} ${notification.severity}`,
		escapeMrkdwn(notification.kind),
		notification.alert_id ? `alert ${escapeMrkdwn(notification.alert_id)}` : "",
	].filter(Boolean);
	blocks.push({
		type: "context",
		elements: [mrkdwn(clip(context.join(" · "), SLACK_LIMITS.sectionChars))],
	});
	const link = safeLink(notification.link);
	if (link !== undefined) {
		blocks.push({
			type: "actions",
			elements: [
				{
					type: "button",
					text: { type: "plain_text", text: "Open in Plumb" },
					url: link,
				},
			],
		});
	}
	// Fields are chunked by ten, so only a huge field list could pass 50; keep the last (the link).
	const limited =
		blocks.length > SLACK_LIMITS.blocks
			? [
					...blocks.slice(0, SLACK_LIMITS.blocks - 2),
					...blocks.slice(blocks.length - 2),
				]
			: blocks;
	const fallback = `${icon} ${escapeMrkdwn(title)}: ${escapeMrkdwn(notification.text)}`;
	return {
		text: clip(fallback, SLACK_LIMITS.fallbackChars),
		blocks: limited,
	};
}
