/**
 * The Stripe API versions Plumb knows, and which payload shape each sends: the one home of that list.
 * Source: the "pinned API version" lines of stripe-node's CHANGELOG (2020-03-02 onward) and
 * ../shared/contracts/stripe/api-drift.md for what changed at 2025-03-31.basil.
 */
import { STRIPE_API_VERSION } from "../stripe/index.ts";

/** `legacy`: invoices carry payment_intent/charge/subscription/paid, charges carry invoice, subscriptions carry their period.
 *  `basil`: invoices link to payments only through InvoicePayment, subscription periods live on items, checkout shipping under collected_information. */
export type StripeShape = "legacy" | "basil";

/** Every version from 2020-03-02 to the current one, oldest first. */
export const KNOWN_STRIPE_API_VERSIONS = [
	"2020-03-02",
	"2020-08-27",
	"2022-08-01",
	"2022-11-15",
	"2023-08-16",
	"2023-10-16",
	"2024-04-10",
	"2024-06-20",
	"2024-09-30.acacia",
	"2024-10-28.acacia",
	"2024-11-20.acacia",
	"2024-12-18.acacia",
	"2025-01-27.acacia",
	"2025-02-24.acacia",
	"2025-03-31.basil",
	"2025-04-30.basil",
	"2025-05-28.basil",
	"2025-06-30.basil",
	"2025-07-30.basil",
	"2025-08-27.basil",
	"2025-09-30.clover",
	"2025-10-29.clover",
	"2025-11-17.clover",
	"2025-12-15.clover",
	"2026-01-28.clover",
	"2026-02-25.clover",
	"2026-03-25.dahlia",
	"2026-04-22.dahlia",
	"2026-05-27.dahlia",
	"2026-06-24.dahlia",
	"2026-07-29.dahlia",
] as const;

/** The first version of the current shape. */
const BASIL = "2025-03-31";

const KNOWN = new Set<string>(KNOWN_STRIPE_API_VERSIONS);

/** The date part, for ordering: Stripe versions sort by their leading YYYY-MM-DD. */
function dateOf(version: string): string | undefined {
	return /^(\d{4}-\d{2}-\d{2})(\.[a-z]+)?$/.exec(version)?.[1];
}

export interface StripeVersionInfo {
	/** The version as the event stated it (null: the event did not say, as some fixtures and test events). */
	version: string | null;
	shape: StripeShape;
	/** On the list above. */
	known: boolean;
	/** Not on the list and newer than the current version: read with the newest known shape, and counted. */
	newer: boolean;
}

/**
 * What an event's `api_version` means. An unknown version newer than the list is read as the newest
 * shape (Stripe keeps each version's changes additive after its breaking release); one without a
 * version, or an unparseable one, is read by its fields, which is what `legacy` vs `basil` decides anyway.
 */
export function stripeVersionInfo(
	version: string | null | undefined,
): StripeVersionInfo {
	if (version === null || version === undefined)
		return { version: null, shape: "basil", known: false, newer: false };
	const date = dateOf(version);
	const known = KNOWN.has(version);
	const newer =
		!known && date !== undefined && date > (dateOf(STRIPE_API_VERSION) ?? "");
	return {
		version,
		shape: date !== undefined && date < BASIL ? "legacy" : "basil",
		known,
		newer,
	};
}

/** Of the versions seen, those Plumb does not know (for `plumb doctor`). */
export function unknownStripeVersions(seen: readonly string[]): string[] {
	return seen.filter((version) => !KNOWN.has(version)).sort();
}
