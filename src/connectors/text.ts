/** Text helpers shared by connectors that render customer or chatbot words into HTML or headers. */

/** HTML-escapes text (all five characters, so it is safe in element text and in quoted attributes). */
export function escapeHtml(text: string): string {
	return text
		.replace(/&/g, "&amp;")
		.replace(/</g, "&lt;")
		.replace(/>/g, "&gt;")
		.replace(/"/g, "&quot;")
		.replace(/'/g, "&#39;");
}

/** One line of plain text: no control characters or line breaks, collapsed spaces, at most `max` characters. */
export function oneLine(text: string, max: number): string {
	const clean = Array.from(text.replace(/\s+/g, " "))
		.filter((ch) => ch >= " " && ch !== "\u007f")
		.join("")
		.trim();
	return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Only absolute http(s) URLs are ever rendered as links; anything else (javascript:, data:) stays text. */
export function isWebUrl(url: string | undefined): url is string {
	return url !== undefined && /^https?:\/\/[^\s<>"'|]+$/i.test(url);
}
