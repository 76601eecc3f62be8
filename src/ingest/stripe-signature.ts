/** Stripe-Signature verification with the official SDK, against every configured secret (rotation). */
import { createRequire } from "node:module";
import type Stripe from "stripe";
import { err, ok, type Result } from "../core/index.ts";

const require = createRequire(import.meta.url);
let sdk: typeof Stripe | undefined;

/** The SDK is loaded by the first webhook, not at start-up (a tenth of a second a restart need not pay). */
function stripeSdk(): typeof Stripe {
	sdk ??= require("stripe") as typeof Stripe;
	return sdk;
}

/** Stripe's own default, applied on both sides: the SDK bounds a timestamp's age, we bound its lead. */
export const STRIPE_TOLERANCE_SECONDS = 300;

export type SignatureFailure =
	| "missing_signature"
	| "bad_signature"
	| "timestamp_out_of_range"
	| "invalid_json";

/**
 * The timestamp stripe-node signs and checks, read exactly as its `parseHeader`
 * (stripe/esm/Webhooks.js) reads it: items split on ",", each on "=", key exactly `t`, the last
 * one wins, value through parseInt (so `t=+1`, `t= 1` and `t=1x` all read as 1). -1 when there is
 * no `t`, NaN when it is not a number. stripe-signature.test.ts holds this to the SDK's verdicts.
 */
export function stripeSignedTimestamp(header: string): number {
	let timestamp = -1;
	for (const item of header.split(",")) {
		const [key, value] = item.split("=");
		if (key === "t") timestamp = Number.parseInt(value ?? "", 10);
	}
	return timestamp;
}

/**
 * Returns the parsed body when any secret verifies the raw bytes at `nowMs`. The SDK checks the
 * HMAC (constant time) and the age; `invalid_json` means the signature was valid but the body is
 * not JSON.
 */
export function verifyStripeEvent(
	raw: Buffer,
	header: string | undefined,
	secrets: readonly string[],
	nowMs: number,
): Result<unknown, SignatureFailure> {
	if (!header) return err("missing_signature");
	const verifier = stripeSdk().webhooks.signature;
	if (!verifier) throw new Error("the stripe SDK has no signature verifier");
	// Clamp both ends: the SDK refuses only `now - t > tolerance`, so a signature made for a future
	// `t` would otherwise give a captured request an unbounded replay window. NaN fails here too.
	const timestamp = stripeSignedTimestamp(header);
	if (!(timestamp - Math.floor(nowMs / 1000) <= STRIPE_TOLERANCE_SECONDS))
		return err("timestamp_out_of_range");
	// The SDK reads the last `t`; appending the one we just clamped pins the HMAC and the age check
	// to it, so a reading of the header that ever differed from ours could only refuse, never
	// verify a timestamp we did not bound.
	const pinned = `${header},t=${timestamp}`;
	let failure: SignatureFailure = "bad_signature";
	for (const secret of secrets) {
		try {
			verifier.verifyHeader(
				raw,
				pinned,
				secret,
				STRIPE_TOLERANCE_SECONDS,
				undefined,
				nowMs,
			);
		} catch (error) {
			// The SDK compares signatures before the age: a tolerance error means this secret signed it.
			if (error instanceof Error && /tolerance/i.test(error.message))
				failure = "timestamp_out_of_range";
			continue;
		}
		try {
			return ok(JSON.parse(raw.toString("utf8")));
		} catch {
			return err("invalid_json");
		}
	}
	return err(failure);
}
