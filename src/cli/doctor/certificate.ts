/**
 * `plumb doctor --url https://…`: the TLS certificate people and Stripe meet at that address (a CDN's,
 * when one sits in front): trusted here, made out for the host, within its dates, and how many days
 * are left before it expires.
 */

import type { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { connect } from "node:tls";
import { hostOf, unreachable } from "../failure-words.ts";
import type { Check } from "./check.ts";

const TIMEOUT_MS = 10_000;
const DAY_MS = 86_400_000;
/** Fewer days left than this is a warning: a renewal that should have happened has not. */
export const RENEW_WITHIN_DAYS = 14;

/** Codes of the chain check that the date and name checks below already word better. */
const WORDED_ELSEWHERE = new Set([
	"CERT_HAS_EXPIRED",
	"CERT_NOT_YET_VALID",
	"ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** What the handshake showed: the server's certificate and, when the chain is not trusted, why. */
export interface PeerCertificate {
	certificate: X509Certificate;
	/** undefined when the chain ends at a certificate authority this machine trusts. */
	untrusted: string | undefined;
}

/** The certificate checks for an https --url; one `-` line for an http one. */
export async function certificateChecks(
	url: string,
	now: () => number = Date.now,
): Promise<Check[]> {
	const { protocol, hostname } = new URL(url);
	if (protocol !== "https:")
		return [
			{
				status: "skip",
				title: "TLS: --url is http, so there is no certificate to check",
			},
		];
	let peer: PeerCertificate;
	try {
		peer = await peerCertificate(url);
	} catch (error) {
		return [
			{
				status: "fail",
				title: `TLS: ${unreachable(url, error)}`,
				fix: "Check that the address is right and that it serves https on that port.",
			},
		];
	}
	return certificateVerdict(peer, hostname, now());
}

/** Judges one server certificate for `host` at `nowMs`. Pure, so tests can move the clock. */
export function certificateVerdict(
	peer: PeerCertificate,
	host: string,
	nowMs: number,
): Check[] {
	const { certificate } = peer;
	const bare = host.replace(/^\[|\]$/g, "");
	const names = certificate.subjectAltName ?? certificate.subject;
	const covered =
		isIP(bare) === 0
			? certificate.checkHost(bare) !== undefined
			: certificate.checkIP(bare) !== undefined;
	const checks: Check[] = [
		covered
			? {
					status: "pass",
					title: `TLS: the certificate is made out for ${bare}`,
				}
			: {
					status: "fail",
					title: `TLS: the certificate is for ${names}, not for ${bare}`,
					fix: `Serve a certificate that names ${bare} (at your CDN or proxy, or Let's Encrypt for the host).`,
				},
	];
	if (peer.untrusted !== undefined && !WORDED_ELSEWHERE.has(peer.untrusted))
		checks.push({
			status: "fail",
			title: `TLS: the certificate is not trusted here (${peer.untrusted})`,
			fix: "Use a certificate from a public authority (your CDN's or Let's Encrypt); Stripe refuses the others.",
		});
	const from = Date.parse(certificate.validFrom);
	const to = Date.parse(certificate.validTo);
	const until = day(to);
	const daysLeft = Math.floor((to - nowMs) / DAY_MS);
	if (nowMs > to)
		checks.push({
			status: "fail",
			title: `TLS: the certificate expired on ${until}`,
			fix: "Renew it (and check why automatic renewal did not run).",
		});
	else if (nowMs < from)
		checks.push({
			status: "fail",
			title: `TLS: the certificate is not valid before ${day(from)}`,
			fix: "Check the clock of the machine that made it, or serve the previous certificate until then.",
		});
	else if (daysLeft < RENEW_WITHIN_DAYS)
		checks.push({
			status: "warn",
			title: `TLS: the certificate expires on ${until}, in ${plural(daysLeft, "day")}`,
			fix: "Renew it now, and check that automatic renewal runs.",
		});
	else
		checks.push({
			status: "pass",
			title: `TLS: the certificate is valid until ${until} (${plural(daysLeft, "day")} left)`,
		});
	return checks;
}

/** One TLS handshake with the address, verification left to us so a bad certificate can be described. */
function peerCertificate(url: string): Promise<PeerCertificate> {
	const { hostname, port } = new URL(url);
	const host = hostname.replace(/^\[|\]$/g, "");
	return new Promise((resolve, reject) => {
		const socket = connect({
			host,
			port: Number(port || 443),
			// SNI carries host names only; a CDN picks the certificate by it.
			servername: isIP(host) === 0 ? host : undefined,
			rejectUnauthorized: false,
			timeout: TIMEOUT_MS,
		});
		socket.once("secureConnect", () => {
			const certificate = socket.getPeerX509Certificate();
			const why: unknown = socket.authorizationError;
			socket.end();
			if (certificate === undefined)
				return reject(new Error(`${hostOf(url)} sent no certificate`));
			resolve({
				certificate,
				untrusted: socket.authorized
					? undefined
					: typeof why === "string"
						? why
						: ((why as { code?: string } | null)?.code ?? "unknown reason"),
			});
		});
		socket.once("timeout", () => {
			socket.destroy();
			reject(Object.assign(new Error("timeout"), { name: "TimeoutError" }));
		});
		socket.once("error", reject);
	});
}

function day(ms: number): string {
	return new Date(ms).toISOString().slice(0, 10);
}

function plural(n: number, word: string): string {
	return `${n} ${n === 1 ? word : `${word}s`}`;
}
