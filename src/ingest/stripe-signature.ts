/** Stripe-Signature verification with the official SDK, against every configured secret (rotation). */
import Stripe from "stripe";
import { err, ok, type Result } from "../core/index.ts";

/** Stripe's own default; we also refuse timestamps this far in the future, which the SDK does not. */
export const STRIPE_TOLERANCE_SECONDS = 300;

export type SignatureFailure =
	| "missing_signature"
	| "bad_signature"
	| "timestamp_out_of_range"
	| "invalid_json";

/**
 * Returns the parsed event when any secret verifies the raw bytes. `invalid_json` means the
 * signature was valid but the body is not JSON (the SDK parses after verifying).
 */
export function verifyStripeEvent(
	raw: Buffer,
	header: string | undefined,
	secrets: readonly string[],
	nowMs: number,
): Result<unknown, SignatureFailure> {
	if (!header) return err("missing_signature");
	// Clamp both ends: the SDK rejects old timestamps but not future-skewed ones, which would
	// otherwise give a captured request an unbounded replay window.
	const timestamp = Number(/(?:^|,)\s*t=(\d+)/.exec(header)?.[1]);
	if (
		Number.isFinite(timestamp) &&
		timestamp * 1000 - nowMs > STRIPE_TOLERANCE_SECONDS * 1000
	) {
		return err("timestamp_out_of_range");
	}
	let failure: SignatureFailure = "bad_signature";
	for (const secret of secrets) {
		try {
			return ok(
				Stripe.webhooks.constructEvent(
					raw,
					header,
					secret,
					STRIPE_TOLERANCE_SECONDS,
					undefined,
					nowMs,
				),
			);
		} catch (error) {
			if (error instanceof SyntaxError) return err("invalid_json");
			if (error instanceof Error && /tolerance/i.test(error.message))
				failure = "timestamp_out_of_range";
		}
	}
	return err(failure);
}
