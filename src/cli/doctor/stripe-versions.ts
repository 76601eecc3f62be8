/** `plumb doctor`: the Stripe API versions events arrived in that Plumb does not know. */
import { unknownStripeVersions } from "../../ingest/index.ts";
import { type Db, stripeApiVersionsSeen } from "../../store/index.ts";
import { STRIPE_API_VERSION } from "../../stripe/index.ts";
import type { Check } from "./check.ts";

export async function stripeVersionCheck(db: Db): Promise<Check> {
	return stripeVersionVerdict(await stripeApiVersionsSeen(db));
}

/** The same check on versions already read: the local database's, or the instance's (--url). */
export function stripeVersionVerdict(
	seen: ReadonlyArray<{ version: string; events: number }>,
): Check {
	if (seen.length === 0)
		return {
			status: "skip",
			title: "Stripe API versions: no Stripe event stored yet",
		};
	const unknown = new Set(unknownStripeVersions(seen.map((s) => s.version)));
	const listed = seen
		.map(
			(s) =>
				`${s.version} (${s.events} ${s.events === 1 ? "event" : "events"})`,
		)
		.join(", ");
	if (unknown.size === 0)
		return {
			status: "pass",
			title: `Stripe API versions: every one seen is known: ${listed}`,
		};
	const names = [...unknown].join(", ");
	return {
		status: "fail",
		title: `Stripe API versions: events arrived in ${names}, which this Plumb does not know (read with the ${STRIPE_API_VERSION} shape)`,
		fix: `Update Plumb, or set the webhook endpoint's API version to ${STRIPE_API_VERSION} in the Stripe Dashboard (Developers › Webhooks).`,
	};
}
