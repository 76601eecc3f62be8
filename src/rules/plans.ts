/** Plan names and tiers (PRODUCT §5): PLUMB_PLANS by price id or lookup key; unknown paid plans are "standard". */
import type { Tier } from "../core/index.ts";

export type PlanCatalog = Readonly<
	Record<string, { readonly name?: string | undefined; readonly tier: Tier }>
>;

/** `free` without a live subscription; otherwise the catalog's tier for the plan or price, else `standard`. */
export function tierFor(
	catalog: PlanCatalog,
	live: boolean,
	plan: string | undefined,
	priceId: string | undefined,
): Tier {
	if (!live) return "free";
	return (
		(plan && catalog[plan]?.tier) ||
		(priceId && catalog[priceId]?.tier) ||
		"standard"
	);
}

/** The catalog's name for a plan, or the plan as Stripe gave it (an unknown price never fails an event). */
export function planName(
	catalog: PlanCatalog,
	plan: string | undefined,
	priceId: string | undefined,
): string | undefined {
	return (
		(plan && catalog[plan]?.name) || (priceId && catalog[priceId]?.name) || plan
	);
}
