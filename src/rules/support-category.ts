/** Support category: the client's hint, raised by deterministic money words, never lowered (PRODUCT §5 "Category"). */
import { TICKET_CATEGORIES, type TicketCategory } from "../core/index.ts";

/**
 * Money words, checked in order: the first match wins. Refund words come first because "charged
 * twice, please refund" asks for the money back, which is the more specific request. Patterns run on
 * normalized text (see `normalize`), so "Double-Charged!" and "double  charged" read the same.
 */
const MONEY_RULES: ReadonlyArray<{
	category: "refund_request" | "billing_issue";
	pattern: RegExp;
}> = [
	{
		category: "refund_request",
		pattern:
			/\b(refunds?|refunded|refunding|reimburse(ment|d)?|money back|charge ?backs?)\b/,
	},
	{
		category: "billing_issue",
		pattern:
			/\b((charged|billed|debited|paid) (me )?(twice|two times|2 times|double|again)|double (charge|charged|charging|billing|billed|payment)|duplicate (charge|payment|invoice)|overcharged?|invoices?|billing|receipt|payment (failed|declined|issue|problem|error)|card (was )?(declined|charged)|unauthori[sz]ed (charge|payment)|wrong (amount|price|charge))\b/,
	},
];

/** Categories that already name money: the classifier keeps them as they are. */
const MONEY_CATEGORIES = new Set<TicketCategory>([
	"billing_issue",
	"refund_request",
	"dispute",
]);

const KNOWN = new Set<string>(TICKET_CATEGORIES);

/** The text the patterns read: Unicode-normalized, lower case, punctuation as spaces, one space between words. */
function normalize(text: string): string {
	return text
		.normalize("NFKC")
		.toLowerCase()
		.replace(/[^\p{L}\p{N}]+/gu, " ")
		.trim();
}

/**
 * The category of a support request: the client's `hint` when it is a known category, else `other`,
 * raised to `refund_request` or `billing_issue` when the subject or message uses money words. A hint
 * that already names money (or `dispute`) is never changed. Pure and deterministic: the same input
 * always gives the same category, so the intake and the rules engine agree.
 */
export function classifySupportCategory(input: {
	message: string;
	subject?: string | undefined;
	hint?: string | undefined;
}): TicketCategory {
	const base: TicketCategory =
		input.hint !== undefined && KNOWN.has(input.hint)
			? (input.hint as TicketCategory)
			: "other";
	if (MONEY_CATEGORIES.has(base)) return base;
	const text = normalize(`${input.subject ?? ""} ${input.message}`);
	for (const rule of MONEY_RULES) {
		if (rule.pattern.test(text)) return rule.category;
	}
	return base;
}
