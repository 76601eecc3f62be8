/**
 * What the admin API and dashboard never show: values under secret-looking keys (client_secret,
 * tokens, passwords, API keys, signatures, card numbers and codes), secret values from the
 * configuration, bearer tokens, JWTs, Stripe secret keys, and card-like numbers (14–19 digits that pass
 * the Luhn check) anywhere in text. E-mail addresses, names and provider ids stay visible: support
 * needs them. Applied to every admin response, so no view can forget it.
 */
import { createScrubber } from "../observability/index.ts";

const SECRET_KEY =
	/(secret|token|password|passwd|authorization|api[_-]?key|signature|cvc|cvv|card[_-]?number|account[_-]?number|routing[_-]?number|iban)/i;
const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
// A private-use character marks where an id was set aside (text that holds one is scrubbed as is).
const MARK = "\uE000";
const KEPT = /\uE000(\d+)\uE000/g;

export const REDACTED = "[redacted]";

export interface Redactor {
	/** Masks secrets and card-like numbers in free text (ids are left intact). */
	text(value: string): string;
	/** A deep copy of `value` with secret-looking keys masked and every string passed through `text`. */
	value<T>(value: T): T;
}

export function createRedactor(secretValues: readonly string[]): Redactor {
	const scrub = createScrubber(secretValues);
	const text = (value: string): string => {
		// A UUID can hold a run of 16 digits that passes the Luhn check; ids are never secrets.
		if (value.includes(MARK)) return scrub(value);
		const kept: string[] = [];
		const masked = value.replace(UUIDS, (id) => {
			kept.push(id);
			return `${MARK}${kept.length - 1}${MARK}`;
		});
		return scrub(masked).replace(KEPT, (_, i: string) => kept[Number(i)] ?? "");
	};
	const walk = (value: unknown): unknown => {
		if (typeof value === "string") return text(value);
		if (value === null || typeof value !== "object" || value instanceof Date)
			return value;
		if (Array.isArray(value)) return value.map(walk);
		const out: Record<string, unknown> = {};
		for (const [key, item] of Object.entries(value)) {
			const shown =
				SECRET_KEY.test(key) &&
				item !== null &&
				item !== undefined &&
				item !== ""
					? REDACTED
					: walk(item);
			// Defined, not assigned: `out["__proto__"] = x` would set out's prototype, and a payload's
			// "__proto__" key would vanish from the view instead of showing as the data it is.
			Object.defineProperty(out, key, {
				value: shown,
				enumerable: true,
				writable: true,
				configurable: true,
			});
		}
		return out;
	};
	return { text, value: <T>(value: T) => walk(value) as T };
}
