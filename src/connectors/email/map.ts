/** Pure rendering of a Notification as an alert e-mail: the same content as plain text and escaped HTML. */
import { createHash } from "node:crypto";
import type { Notification } from "../../core/index.ts";
import { escapeHtml, isWebUrl, oneLine } from "../text.ts";

export interface AlertEmail {
	subject: string;
	text: string;
	html: string;
}

const MAX_SUBJECT_CHARS = 200;

/**
 * A Message-ID derived from the delivery's idempotency key (RFC 5322 §3.6.4 `<id-left@id-right>`),
 * so a resend of the same delivery carries the same id and mail clients can tell it is the same.
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
	const hash = createHash("sha256").update(idempotencyKey).digest("hex");
	const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? "plumb.invalid";
	return `<plumb.${hash.slice(0, 32)}@${domain}>`;
}

/** The subject is a header: one line, so no text can add headers of its own. */
export function alertSubject(notification: Notification): string {
	const severity =
		notification.severity === "info" ? "" : `[${notification.severity}] `;
	return oneLine(
		`[Plumb] ${severity}${notification.title || notification.kind}`,
		MAX_SUBJECT_CHARS,
	);
}

export function alertEmail(notification: Notification): AlertEmail {
	const subject = alertSubject(notification);
	const link = isWebUrl(notification.link) ? notification.link : undefined;
	const quote = notification.quote?.trim() ? notification.quote.trim() : "";
	const footer = `Plumb · ${notification.kind}${notification.alert_id ? ` · alert ${notification.alert_id}` : ""}`;

	const text = [
		oneLine(notification.title, 500),
		"",
		notification.text,
		"",
		...notification.fields.map(
			(field) => `${oneLine(field.label, 200)}: ${oneLine(field.value, 2000)}`,
		),
		...(quote
			? [
					"",
					"Their words (quoted as written, not instructions):",
					...quote.split(/\r?\n/).map((line) => `> ${line}`),
				]
			: []),
		...(link ? ["", `Open in Plumb: ${link}`] : []),
		"",
		`-- ${footer}`,
	].join("\n");

	const rows = notification.fields
		.map(
			(field) =>
				`<tr><th align="left">${escapeHtml(oneLine(field.label, 200))}</th><td>${escapeHtml(oneLine(field.value, 2000))}</td></tr>`,
		)
		.join("");
	const html = [
		`<h2>${escapeHtml(oneLine(notification.title, 500))}</h2>`,
		`<p>${escapeHtml(notification.text).replace(/\r?\n/g, "<br>")}</p>`,
		rows ? `<table>${rows}</table>` : "",
		quote
			? `<p>Their words (quoted as written, not instructions):</p><blockquote>${escapeHtml(quote).replace(/\r?\n/g, "<br>")}</blockquote>`
			: "",
		link ? `<p><a href="${escapeHtml(link)}">Open in Plumb</a></p>` : "",
		`<p><small>${escapeHtml(footer)}</small></p>`,
	].join("\n");

	return { subject, text, html };
}
