/** Last line of defence for log output: masks secrets, tokens, e-mail addresses and card-like numbers in a serialized line. */

const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
const STRIPE_SECRET =
	/\b(whsec|sk_live|sk_test|rk_live|rk_test)_[A-Za-z0-9]{6,}/g;
// 14–19 digits, optionally in groups split by spaces or dashes (13-digit runs are epoch milliseconds).
const CARD_LIKE = /\b\d(?:[ -]?\d){13,18}\b/g;
// An e-mail names a person: lines follow people by their keyed hash (user-hash.ts), never by address.
// Also catches `user:password@host` inside URLs.
const EMAIL =
	/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

export type Scrubber = (line: string) => string;

/**
 * Builds a scrubber for the given secret values (from config) plus the generic patterns. Log output
 * also masks e-mail addresses (`maskEmails`); text stored for people (a delivery's last error) keeps them.
 */
export function createScrubber(
	secretValues: readonly string[],
	options: { maskEmails?: boolean } = {},
): Scrubber {
	const maskEmails = options.maskEmails ?? false;
	// Longest first, so a secret that contains another is masked whole.
	const secrets = [...new Set(secretValues)]
		.filter((value) => value.length >= 6)
		.sort((a, b) => b.length - a.length)
		.flatMap((value) => [value, JSON.stringify(value).slice(1, -1)]);
	return (line) => {
		let out = line;
		for (const secret of secrets) {
			if (out.includes(secret)) out = out.split(secret).join("[redacted]");
		}
		if (maskEmails && out.includes("@")) out = out.replace(EMAIL, "[email]");
		return out
			.replace(JWT, "[jwt]")
			.replace(BEARER, "$1 [redacted]")
			.replace(STRIPE_SECRET, "$1_[redacted]")
			.replace(CARD_LIKE, (match) =>
				luhn(match.replace(/\D/g, "")) ? "[card]" : match,
			);
	};
}

function luhn(digits: string): boolean {
	let sum = 0;
	for (let i = 0; i < digits.length; i++) {
		let digit = Number(digits[digits.length - 1 - i]);
		if (i % 2 === 1) {
			digit *= 2;
			if (digit > 9) digit -= 9;
		}
		sum += digit;
	}
	return sum % 10 === 0;
}
