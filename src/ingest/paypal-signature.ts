/**
 * PayPal's webhook signature, verified offline as PayPal specifies (paypal/NOTES.md, method 1):
 * message = transmission id | transmission time | PAYPAL_WEBHOOK_ID | CRC32 of the raw body (unsigned
 * decimal), checked with SHA256withRSA against the certificate at `paypal-cert-url` (paypal-certs.ts).
 * PayPal's scheme has no timestamp tolerance of its own; Plumb refuses a transmission time outside a
 * window clamped on both sides, so a captured delivery cannot be replayed later.
 */
import { verify } from "node:crypto";
import { crc32 } from "node:zlib";
import { err, ok, type Result } from "../core/index.ts";
import type { CertFailure, PaypalCertificates } from "./paypal-certs.ts";

/** How far a transmission time may be from Plumb's clock, either way. */
export const PAYPAL_TOLERANCE_SECONDS = 15 * 60;

export type PaypalSignatureFailure =
	| "missing_headers"
	| "unsupported_algorithm"
	| "bad_transmission_time"
	| "transmission_time_out_of_range"
	| "bad_signature"
	| CertFailure;

/** The headers PayPal signs with, by their lower-case names. */
export interface PaypalTransmission {
	id: string | undefined;
	time: string | undefined;
	signature: string | undefined;
	certUrl: string | undefined;
	algorithm: string | undefined;
}

/** The exact text PayPal signs. */
export function paypalSignedMessage(
	transmissionId: string,
	transmissionTime: string,
	webhookId: string,
	raw: Buffer,
): string {
	return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(raw) >>> 0}`;
}

/**
 * Checks the headers and the clock first, so nothing is fetched for a request that fails anyway; then
 * the certificate (fetched only from PayPal's hosts) and the signature.
 */
export async function verifyPaypalDelivery(
	raw: Buffer,
	transmission: PaypalTransmission,
	webhookId: string,
	certificates: PaypalCertificates,
	nowMs: number,
): Promise<Result<true, PaypalSignatureFailure>> {
	const { id, time, signature, certUrl, algorithm } = transmission;
	if (!id || !time || !signature || !certUrl) return err("missing_headers");
	if (algorithm !== undefined && algorithm !== "SHA256withRSA")
		return err("unsupported_algorithm");
	const sentAt = Date.parse(time);
	if (Number.isNaN(sentAt)) return err("bad_transmission_time");
	if (Math.abs(nowMs - sentAt) > PAYPAL_TOLERANCE_SECONDS * 1000)
		return err("transmission_time_out_of_range");
	const cert = await certificates.signingCertificate(certUrl, nowMs);
	if (!cert.ok) return cert;
	const valid = verify(
		"sha256",
		Buffer.from(paypalSignedMessage(id, time, webhookId, raw)),
		cert.value.publicKey,
		Buffer.from(signature, "base64"),
	);
	return valid ? ok(true) : err("bad_signature");
}
