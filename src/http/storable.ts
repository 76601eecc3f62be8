/**
 * Input Postgres can store, checked once where it comes in (webhook and intent bodies, admin queries
 * and forms). Text may not hold NUL (text and jsonb refuse it) nor an unpaired UTF-16 surrogate (jsonb
 * refuses its \u escape; a text column would quietly turn it into U+FFFD); JSON kept as sent may not
 * hold a number beyond numeric's range. Such input is refused with a 400 naming the field, never
 * repaired: changing what a customer or a vendor sent is worse than a clear refusal.
 */
import { AppError } from "../core/index.ts";

const LONE_SURROGATE =
	/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Field paths are echoed in answers; a key can be as long as a body. */
const MAX_FIELD_NAME = 100;

/** True when Postgres stores `text` exactly as it is. */
export function isStorableText(text: string): boolean {
	return !text.includes("\u0000") && !LONE_SURROGATE.test(text);
}

export interface Unstorable {
	/** The dotted path (`data.object.metadata.note`), or `where` for the top level. */
	field: string;
	/** True when the offending text is a key of the object at `field`, not a value. */
	key: boolean;
}

/** Where a value sits: its key, and the step to its parent (paths are built only when one is named). */
interface Step {
	key: string;
	parent: Step | undefined;
}

/**
 * The first string or key in `value` (parsed JSON, a query or a form) that Postgres cannot store,
 * in document order, or undefined. Iterative: a deep value cannot overflow the stack.
 */
export function findUnstorable(
	value: unknown,
	where: string,
): Unstorable | undefined {
	const stack: Array<[unknown, Step | undefined]> = [[value, undefined]];
	while (stack.length > 0) {
		const [item, step] = stack.pop() as [unknown, Step | undefined];
		if (typeof item === "string") {
			if (!isStorableText(item))
				return { field: fieldName(step, where), key: false };
			continue;
		}
		if (typeof item !== "object" || item === null) continue;
		const entries: Array<[string, unknown]> = Array.isArray(item)
			? item.map((child, index) => [String(index), child])
			: Object.entries(item);
		for (const [key] of entries)
			if (!isStorableText(key))
				return { field: fieldName(step, where), key: true };
		// Pushed last to first, so the first child is looked at first.
		for (let index = entries.length - 1; index >= 0; index--) {
			const [key, child] = entries[index] as [string, unknown];
			stack.push([child, { key, parent: step }]);
		}
	}
	return undefined;
}

function fieldName(step: Step | undefined, where: string): string {
	const keys: string[] = [];
	for (let at = step; at !== undefined; at = at.parent) keys.push(at.key);
	return keys.length === 0
		? where
		: keys.reverse().join(".").slice(0, MAX_FIELD_NAME);
}

/** Postgres numeric's limits, which every jsonb number shares: digits before and after the point. */
const NUMERIC_MAX_WEIGHT_DIGITS = 131_072;
const NUMERIC_MAX_SCALE = 16_383;
const JSON_NUMBER = /-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?/y;

/** True when every number in `json` (valid JSON text) fits jsonb; strings are skipped, not read. */
export function jsonNumbersFit(json: string): boolean {
	// Only an exponent or more than 16,383 digits can overflow: most bodies need no scan.
	if (json.length <= NUMERIC_MAX_SCALE && !/\d[eE]/.test(json)) return true;
	let at = 0;
	while (at < json.length) {
		const code = json.charCodeAt(at);
		if (code === 0x22) {
			// A string: skip to its closing quote, stepping over escapes.
			at++;
			while (at < json.length && json.charCodeAt(at) !== 0x22)
				at += json.charCodeAt(at) === 0x5c ? 2 : 1;
			at++;
		} else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
			JSON_NUMBER.lastIndex = at;
			const match = JSON_NUMBER.exec(json);
			if (match === null) return false;
			const exponent = Number(match[3] ?? 0);
			if (
				(match[1]?.length ?? 0) + exponent > NUMERIC_MAX_WEIGHT_DIGITS ||
				(match[2]?.length ?? 0) - exponent > NUMERIC_MAX_SCALE
			)
				return false;
			at = JSON_NUMBER.lastIndex;
		} else at++;
	}
	return true;
}

/**
 * Throws a 400 naming the first field of `value` that Postgres cannot store. Pass `json`, the text
 * `value` was parsed from, when there is one: its numbers are checked too (JSON kept as sent reaches
 * jsonb unchanged), and text without a `\u` escape skips the walk, as JSON spells NUL and unpaired
 * surrogates only that way.
 */
export function refuseUnstorable(
	value: unknown,
	where: string,
	json?: string,
): void {
	if (json !== undefined && !jsonNumbersFit(json))
		throw new AppError(
			"validation_failed",
			`A number in the ${where} is beyond what Postgres stores (131,072 digits before the point, 16,383 after).`,
			{ details: [{ field: where, message: "has a number out of range" }] },
		);
	if (json !== undefined && !json.includes("\\u") && isStorableText(json))
		return;
	const found = findUnstorable(value, where);
	if (found === undefined) return;
	const what = found.key ? "has a key with" : "contains";
	throw new AppError(
		"validation_failed",
		`\`${found.field}\` ${what} a NUL character or an unpaired UTF-16 surrogate; Plumb refuses such text rather than altering it.`,
		{
			details: [
				{
					field: found.field,
					message: found.key
						? "must not have keys with NUL characters or unpaired surrogates"
						: "must not contain NUL characters or unpaired surrogates",
				},
			],
		},
	);
}

/** Year 1 to 9999 (ISO 8601's four digits, well inside Postgres's timestamptz). */
const EARLIEST = -62_135_596_800_000; // 0001-01-01T00:00:00Z
export const LATEST_STORABLE_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/** `ms` as a Date when it is a time Postgres and every client read alike, else undefined. */
export function storableDate(ms: number): Date | undefined {
	return Number.isFinite(ms) && ms >= EARLIEST && ms <= LATEST_STORABLE_MS
		? new Date(ms)
		: undefined;
}
