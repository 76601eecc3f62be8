/**
 * Plumb's webhook endpoint on the Stripe account: find it by URL, compare it with what Plumb wants
 * (SUBSCRIBED_EVENT_TYPES, STRIPE_API_VERSION), and create it once.
 */
import { createHash } from "node:crypto";
import type Stripe from "stripe";
import type { StripeApi } from "./api.ts";
import {
	STRIPE_API_VERSION,
	SUBSCRIBED_EVENT_TYPES,
} from "./subscribed-events.ts";

/** PLUMB_PUBLIC_URL + /webhooks/stripe, without a doubled slash. */
export function plumbWebhookUrl(publicUrl: string): string {
	return `${publicUrl.replace(/\/+$/, "")}/webhooks/stripe`;
}

/** How an endpoint differs from what Plumb wants. */
export interface EndpointComparison {
	/** Wanted events the endpoint does not send ([] when it sends "*", every event). */
	missing: string[];
	/** The endpoint's API version; null = the account's default version (unknown from here). */
	apiVersion: string | null;
	versionMatches: boolean;
}

export function compareEndpoint(
	endpoint: Pick<Stripe.WebhookEndpoint, "enabled_events" | "api_version">,
): EndpointComparison {
	const enabled = new Set<string>(endpoint.enabled_events);
	return {
		missing: enabled.has("*")
			? []
			: SUBSCRIBED_EVENT_TYPES.filter((type) => !enabled.has(type)),
		apiVersion: endpoint.api_version,
		versionMatches: endpoint.api_version === STRIPE_API_VERSION,
	};
}

/** Every webhook endpoint of the account, all pages. */
export async function listWebhookEndpoints(
	api: StripeApi,
): Promise<Stripe.WebhookEndpoint[]> {
	const all: Stripe.WebhookEndpoint[] = [];
	let startingAfter: string | undefined;
	for (;;) {
		const page = await api.call(
			"list webhook endpoints",
			"webhookEndpointsRead",
			(sdk) =>
				sdk.webhookEndpoints.list({
					limit: 100,
					...(startingAfter ? { starting_after: startingAfter } : {}),
				}),
		);
		all.push(...page.data);
		const last = page.data.at(-1);
		if (!page.has_more || last === undefined) return all;
		startingAfter = last.id;
	}
}

/** The endpoint whose URL is `url` (an enabled one first), if any. */
export function findEndpoint(
	endpoints: readonly Stripe.WebhookEndpoint[],
	url: string,
): Stripe.WebhookEndpoint | undefined {
	const matching = endpoints.filter((endpoint) => endpoint.url === url);
	return (
		matching.find((endpoint) => endpoint.status === "enabled") ?? matching[0]
	);
}

/**
 * Creates the endpoint with exactly Plumb's events and version. The Idempotency-Key is derived from
 * the request and the endpoints seen before it, so a retried or concurrent `--create` makes one.
 * Stripe returns `secret` (the whsec_… signing secret) only in this answer.
 */
export async function createPlumbEndpoint(
	api: StripeApi,
	url: string,
	seen: readonly Stripe.WebhookEndpoint[],
): Promise<Stripe.WebhookEndpoint> {
	const idempotencyKey = `plumb-setup-${createHash("sha256")
		.update(
			JSON.stringify([
				url,
				STRIPE_API_VERSION,
				SUBSCRIBED_EVENT_TYPES,
				seen.map((e) => e.id),
			]),
		)
		.digest("hex")
		.slice(0, 40)}`;
	return api.call(
		"create the webhook endpoint",
		"webhookEndpointsWrite",
		(sdk) =>
			sdk.webhookEndpoints.create(
				{
					url,
					enabled_events: [...SUBSCRIBED_EVENT_TYPES],
					api_version: STRIPE_API_VERSION,
					description: "Plumb (created by plumb stripe setup)",
				},
				{ idempotencyKey },
			),
	);
}
