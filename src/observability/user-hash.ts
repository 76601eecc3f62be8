/** Keyed hashes of user ids for log lines: one user can be followed through the logs without being named. */
import { createHmac, randomBytes } from "node:crypto";

// Until the install's salt is loaded (the first moments of start-up, tests, one-off commands) a
// random one stands in: hashes are then comparable only within this process, but never reversible.
let salt: string | Buffer = randomBytes(32);

/**
 * Sets the per-install salt (PLUMB_LOG_SALT, else the random value stored in `plumb.install`), so
 * every process of one install hashes a user alike and no other install can.
 */
export function setUserHashSalt(value: string): void {
	salt = value;
}

/**
 * HMAC-SHA-256 of the id under the install's salt, first 16 hex characters (64 bits: enough to tell
 * users apart in logs, and a keyed hash, so a list of e-mails or ids cannot be hashed to find one).
 * Undefined for a missing id, so a log line simply has no `user_hash`.
 */
export function userHash(id: string | null | undefined): string | undefined {
	if (id === null || id === undefined || id === "") return undefined;
	return createHmac("sha256", salt).update(id).digest("hex").slice(0, 16);
}

/**
 * At ingest the customer is not resolved yet: lines hash the most stable id the request names (the
 * app's user id, else the Stripe customer id, else the e-mail as customer identities store it).
 * `plumb trace` prints these hashes for each of a customer's identities.
 */
export function personHash(
	facts:
		| {
				app_user_id?: string | undefined;
				stripe_customer_id?: string | undefined;
				email?: string | undefined;
		  }
		| undefined,
): string | undefined {
	if (facts === undefined) return undefined;
	return userHash(
		facts.app_user_id ??
			facts.stripe_customer_id ??
			facts.email?.trim().toLowerCase(),
	);
}
