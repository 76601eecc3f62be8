/**
 * Decimal amounts → minor units. Stripe sends minor units already; RevenueCat sends a price as a JSON
 * number (4.99) and PayPal as a string ("30.00"). Plumb stores integers in the currency's own minor
 * unit (cents; none for JPY), the same digits the rules use to print them back (rules/describe.ts).
 */

/** `4.99 USD` → 499; `500 JPY` → 500. Undefined when the amount or currency cannot be read. */
export function toMinorUnits(
	amount: number | string | undefined | null,
	currency: string | undefined,
): number | undefined {
	if (amount === undefined || amount === null || !currency) return undefined;
	const value = typeof amount === "number" ? amount : Number(amount.trim());
	if (
		!Number.isFinite(value) ||
		(typeof amount === "string" && !/^-?\d+(\.\d+)?$/.test(amount.trim()))
	)
		return undefined;
	let digits = 2;
	try {
		digits =
			new Intl.NumberFormat("en", {
				style: "currency",
				currency: currency.toUpperCase(),
			}).resolvedOptions().maximumFractionDigits ?? 2;
	} catch {
		return undefined;
	}
	const minor = Math.round(value * 10 ** digits);
	return Number.isSafeInteger(minor) ? minor : undefined;
}
