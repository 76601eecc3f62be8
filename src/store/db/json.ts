/** JSON text Postgres accepts: jsonb refuses \u0000 and lone surrogates, which valid JSON may carry. */

/** JSON text already known to be valid (a verified webhook body): stored as it came, after the same check. */
export class JsonText {
	readonly text: string;

	constructor(text: string) {
		this.text = text;
	}
}

// JSON.stringify (and any JSON a sender produced) writes NUL and lone surrogates as \u escapes; a
// literal "\\u0000" also matches, which only costs a needless clean, never a wrong result.
const NEEDS_CLEANING = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;

export function toJsonb(value: unknown): string {
	const text = value instanceof JsonText ? value.text : JSON.stringify(value);
	// includes() first: a plain scan, where the regex costs a case-insensitive search of every byte.
	if (!text.includes("\\u") || !NEEDS_CLEANING.test(text)) return text;
	return JSON.stringify(
		clean(value instanceof JsonText ? JSON.parse(value.text) : value),
	);
}

function clean(value: unknown): unknown {
	if (typeof value === "string") return cleanText(value);
	if (value instanceof Date) return value.toISOString();
	if (Array.isArray(value)) return value.map(clean);
	if (typeof value === "object" && value !== null) {
		const out: Record<string, unknown> = {};
		// Defined, not assigned: `out["__proto__"] = x` would set the prototype and drop the key.
		for (const [key, item] of Object.entries(value))
			Object.defineProperty(out, cleanText(key), {
				value: clean(item),
				enumerable: true,
				writable: true,
				configurable: true,
			});
		return out;
	}
	return value;
}

const LONE_SURROGATE =
	/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function cleanText(text: string): string {
	return text.replace(LONE_SURROGATE, "\uFFFD").replaceAll("\u0000", "\uFFFD");
}
