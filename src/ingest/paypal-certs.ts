/**
 * PayPal's signing certificate, as paypal/NOTES.md (PayPal's webhook guide) asks: fetched only from an https
 * URL on PayPal's own API hosts, never a redirect, cached by URL, and trusted only when its chain reaches a
 * root in Node's store, every certificate is valid at the injected clock, and the leaf is PayPal's
 * message-verification certificate. Any other `paypal-cert-url` is refused before a request is made.
 */
import { X509Certificate } from "node:crypto";
import { rootCertificates } from "node:tls";
import { err, ok, type Result } from "../core/index.ts";
import { KNOWN_PAYPAL_INTERMEDIATES } from "./paypal-intermediates.ts";

/** PayPal's API hosts (live and sandbox); the cert URL's host must be one of these, exactly. */
export const PAYPAL_CERT_HOSTS: ReadonlySet<string> = new Set([
	"api.paypal.com",
	"api-m.paypal.com",
	"api.sandbox.paypal.com",
	"api-m.sandbox.paypal.com",
]);
const CERT_PATH = /^\/v1\/notifications\/certs\/[A-Za-z0-9._-]{1,128}$/;
/** The name PayPal's signing certificate is issued to. */
export const PAYPAL_SIGNING_HOST = "messageverificationcerts.paypal.com";
const MAX_CERT_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 5_000;
/** Distinct cert URLs kept; PayPal rotates its certificate about once a year. */
const MAX_CACHED = 16;

export type CertFailure =
	| "cert_url_not_allowed"
	| "cert_unavailable"
	| "cert_untrusted"
	| "cert_expired";

export interface PaypalCertificatesDeps {
	fetch: typeof fetch;
	/** Roots the chain must reach; default: Node's own store. Tests keep the default. */
	roots?: readonly string[];
}

/** The URL as an allowed PayPal cert address, or undefined: https, a PayPal host, the certs path, nothing else. */
export function allowedCertUrl(value: string | undefined): URL | undefined {
	if (!value) return undefined;
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return undefined;
	}
	const plain =
		url.protocol === "https:" &&
		url.port === "" &&
		url.username === "" &&
		url.password === "" &&
		url.search === "" &&
		url.hash === "";
	return plain &&
		PAYPAL_CERT_HOSTS.has(url.hostname) &&
		CERT_PATH.test(url.pathname)
		? url
		: undefined;
}

/** Fetches, checks and caches PayPal signing certificates. One per process. */
export class PaypalCertificates {
	private readonly cache = new Map<string, X509Certificate[]>();
	/** Read on first use: the root store is not needed until a PayPal delivery arrives (and at the
	 * edge, Deno asks for `--allow-sys=ca` to read it). */
	private rootStore: X509Certificate[] | undefined;
	private readonly intermediates: X509Certificate[];
	private readonly deps: PaypalCertificatesDeps;

	constructor(deps: PaypalCertificatesDeps) {
		this.deps = deps;
		this.intermediates = KNOWN_PAYPAL_INTERMEDIATES.map(
			(pem) => new X509Certificate(pem),
		);
	}

	private roots(): X509Certificate[] {
		this.rootStore ??= (this.deps.roots ?? rootCertificates).map(
			(pem) => new X509Certificate(pem),
		);
		return this.rootStore;
	}

	/** The leaf certificate to verify with, checked at `nowMs`; or why not. */
	async signingCertificate(
		certUrl: string | undefined,
		nowMs: number,
	): Promise<Result<X509Certificate, CertFailure>> {
		const url = allowedCertUrl(certUrl);
		if (!url) return err("cert_url_not_allowed");
		const key = url.href;
		let chain = this.cache.get(key);
		if (!chain) {
			const fetched = await this.download(url);
			if (!fetched) return err("cert_unavailable");
			chain = fetched;
		}
		const checked = this.checkChain(chain, nowMs);
		if (!checked.ok) return checked;
		if (!this.cache.has(key)) {
			if (this.cache.size >= MAX_CACHED) {
				const oldest = this.cache.keys().next().value;
				if (oldest !== undefined) this.cache.delete(oldest);
			}
			this.cache.set(key, chain);
		}
		return checked;
	}

	private async download(url: URL): Promise<X509Certificate[] | undefined> {
		try {
			const res = await this.deps.fetch(url, {
				// A redirect could lead anywhere: PayPal serves the certificate itself.
				redirect: "error",
				signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
			});
			if (!res.ok) return undefined;
			const body = await res.text();
			if (body.length > MAX_CERT_BYTES) return undefined;
			const pems =
				body.match(
					/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
				) ?? [];
			return pems.length > 0
				? pems.map((pem) => new X509Certificate(pem))
				: undefined;
		} catch {
			return undefined;
		}
	}

	/**
	 * Leaf → intermediates (those served with it, then the known DigiCert one) → a root in the store,
	 * each link checked by name and signature, every certificate valid at `nowMs`.
	 */
	checkChain(
		chain: readonly X509Certificate[],
		nowMs: number,
	): Result<X509Certificate, CertFailure> {
		const [leaf, ...served] = chain;
		if (!leaf || leaf.ca || leaf.checkHost(PAYPAL_SIGNING_HOST) === undefined)
			return err("cert_untrusted");
		const candidates = [...served, ...this.intermediates];
		let current = leaf;
		for (let depth = 0; depth < 4; depth++) {
			if (!validAt(current, nowMs)) return err("cert_expired");
			const root = this.roots().find((root) => issues(root, current));
			if (root) return validAt(root, nowMs) ? ok(leaf) : err("cert_expired");
			const issuer = candidates.find(
				(candidate) => candidate.ca && issues(candidate, current),
			);
			if (!issuer) return err("cert_untrusted");
			current = issuer;
		}
		return err("cert_untrusted");
	}
}

function issues(issuer: X509Certificate, subject: X509Certificate): boolean {
	return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

function validAt(cert: X509Certificate, nowMs: number): boolean {
	return (
		Date.parse(cert.validFrom) <= nowMs && nowMs <= Date.parse(cert.validTo)
	);
}
