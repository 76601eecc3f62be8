/** Plumb's Stripe API client pointed at the stand-in, its rate-limit waits recorded instead of slept. */
import { createStripeApi, type StripeApi } from "../../../src/stripe/index.ts";

/** `waits` receives each wait (ms) the client would have slept. */
export function standInClient(
	url: string,
	apiKey: string,
	waits: number[],
): StripeApi {
	return createStripeApi(
		{ apiKey, apiBase: url },
		{
			sleep: async (ms) => {
				waits.push(ms);
			},
		},
	);
}
