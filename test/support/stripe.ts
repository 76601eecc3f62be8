/** Signed Stripe deliveries built with the official SDK from the vendor fixtures in ../shared/contracts. */
import { readFileSync } from "node:fs";
import Stripe from "stripe";
import { TEST_STRIPE_SECRET } from "./app.ts";
import { CONTRACTS_DIR } from "./contracts.ts";

export function stripeFixture(name: string): string {
	return readFileSync(`${CONTRACTS_DIR}stripe/events/${name}.json`, "utf8");
}

export function stripeObject(name: string): Record<string, unknown> {
	return JSON.parse(
		readFileSync(`${CONTRACTS_DIR}stripe/objects/${name}.json`, "utf8"),
	) as Record<string, unknown>;
}

/** A current-API envelope around an object from stripe/objects (the shape SOURCES.md describes). */
export function envelope(
	type: string,
	object: Record<string, unknown>,
	overrides: { id?: string; created?: number } = {},
): string {
	return JSON.stringify({
		id: overrides.id ?? `evt_${Math.random().toString(36).slice(2, 14)}`,
		object: "event",
		api_version: "2025-08-27.basil",
		created: overrides.created ?? Math.floor(Date.now() / 1000),
		data: { object },
		livemode: false,
		pending_webhooks: 1,
		request: { id: null, idempotency_key: null },
		type,
	});
}

export function sign(
	payload: string,
	options: { secret?: string; timestamp?: number } = {},
): string {
	return Stripe.webhooks.generateTestHeaderString({
		payload,
		secret: options.secret ?? TEST_STRIPE_SECRET,
		...(options.timestamp === undefined
			? {}
			: { timestamp: options.timestamp }),
	});
}

/** Request init for POST /webhooks/stripe with a valid signature unless told otherwise. */
export function stripeRequest(
	payload: string,
	options: {
		secret?: string;
		timestamp?: number;
		signature?: string | null;
		contentType?: string;
	} = {},
): RequestInit {
	const headers: Record<string, string> = {
		"content-type": options.contentType ?? "application/json; charset=utf-8",
	};
	const signature =
		options.signature === undefined
			? sign(payload, options)
			: options.signature;
	if (signature !== null) headers["stripe-signature"] = signature;
	return { method: "POST", headers, body: payload };
}
