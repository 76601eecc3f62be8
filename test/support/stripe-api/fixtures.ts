/**
 * Stripe objects for the API stand-in, from Stripe's own examples: `openapi/fixtures3.json` (one
 * example per resource, current API shape) and the event samples in `stripe/events/`. Copies get
 * distinct ids and times; no field is added that the example does not have.
 */
import { readFileSync } from "node:fs";
import { CONTRACTS_DIR } from "../contracts.ts";

export type StripeObject = Record<string, unknown> & {
	id: string;
	created: number;
};

let resources: Record<string, unknown> | undefined;

/** Stripe's example object for a resource ("customer", "invoice", "webhook_endpoint", "event" …), a fresh copy. */
export function stripeExample(resource: string): StripeObject {
	resources ??= (
		JSON.parse(
			readFileSync(`${CONTRACTS_DIR}stripe/openapi/fixtures3.json`, "utf8"),
		) as { resources: Record<string, unknown> }
	).resources;
	const example = resources[resource];
	if (example === undefined)
		throw new Error(`fixtures3.json has no example for ${resource}`);
	return structuredClone(example) as StripeObject;
}

/** One of Stripe's event samples in stripe/events/ ("invoice.paid"), a fresh copy. */
export function stripeEventSample(name: string): StripeObject {
	return JSON.parse(
		readFileSync(`${CONTRACTS_DIR}stripe/events/${name}.json`, "utf8"),
	) as StripeObject;
}

/**
 * `count` copies of `template` with distinct ids (`<prefix>_<tag><n>`) and `created` times
 * counting up by `stepSeconds` from `firstCreated` (oldest first).
 */
export function copiesOf(
	template: StripeObject,
	count: number,
	options: { tag: string; firstCreated: number; stepSeconds?: number },
): StripeObject[] {
	const prefix = template.id.split("_")[0] ?? "obj";
	const step = options.stepSeconds ?? 1;
	return Array.from({ length: count }, (_, n) => ({
		...structuredClone(template),
		id: `${prefix}_${options.tag}${String(n).padStart(6, "0")}`,
		created: options.firstCreated + n * step,
	}));
}

/** An event of `type` around `object`, on the envelope of Stripe's example event. */
export function eventAround(
	type: string,
	object: Record<string, unknown>,
	options: { id: string; created: number; apiVersion?: string },
): StripeObject {
	const event = stripeExample("event");
	return {
		...event,
		id: options.id,
		created: options.created,
		type,
		api_version: options.apiVersion ?? event.api_version,
		data: { object },
	};
}
