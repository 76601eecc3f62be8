/** Shared HTTP plumbing for connectors: one vendor call under the delivery's AbortSignal, and failure classification. */
import {
	type DeliveryOutcome,
	err,
	ok,
	outcome,
	parseRetryAfter,
	type Result,
} from "../core/index.ts";

/** A vendor's answer, read whole (bodies are small JSON or plain text). */
export interface HttpReply {
	status: number;
	headers: Headers;
	text: string;
	/** The body parsed as JSON, or undefined when it is not JSON. */
	json: unknown;
}

export interface HttpRequest {
	method: "GET" | "POST" | "PUT" | "PATCH";
	url: string;
	headers: Record<string, string>;
	body?: unknown;
}

/** How a vendor is named in reasons, and what to tell the operator when it refuses our credentials. */
export interface VendorProfile {
	name: string;
	/** Reason for 401, e.g. "HubSpot rejected the access token (401): check HUBSPOT_ACCESS_TOKEN". */
	unauthorized: string;
	/** Reason for 403 (usually a missing scope or role). */
	forbidden: string;
	/** Values that must never appear in a reason (tokens, the Slack URL …). */
	secrets: readonly string[];
	/** Pulls the human message out of an error body; the raw text is used when it returns undefined. */
	message?: (reply: HttpReply) => string | undefined;
}

/** Longest vendor message we keep in a reason: enough to act on, short enough for a table cell. */
export const MAX_REASON_CHARS = 300;

/**
 * Sends one request. Network failures (timeout through `signal`, reset, refused, DNS) become a
 * `retry` outcome; any HTTP answer, whatever its status, is returned for the caller to classify.
 */
export async function send(
	fetchFn: typeof fetch,
	request: HttpRequest,
	signal: AbortSignal,
	vendor: string,
): Promise<Result<HttpReply, DeliveryOutcome>> {
	const headers: Record<string, string> = {
		accept: "application/json",
		...request.headers,
	};
	let body: string | undefined;
	if (request.body !== undefined) {
		headers["content-type"] = "application/json";
		body = JSON.stringify(request.body);
	}
	try {
		const response = await fetchFn(request.url, {
			method: request.method,
			headers,
			body,
			signal,
			// A redirect would resend credentials to wherever it points; vendors' APIs do not redirect.
			redirect: "manual",
		});
		const text = await response.text();
		return ok({
			status: response.status,
			headers: response.headers,
			text,
			json: parseJson(text),
		});
	} catch (error) {
		return err(networkFailure(error, signal, vendor));
	}
}

/** A thrown fetch error as an outcome. Only the error code is kept: messages can carry hosts or URLs. */
export function networkFailure(
	error: unknown,
	signal: AbortSignal,
	vendor: string,
): DeliveryOutcome {
	if (signal.aborted) {
		return outcome.retry(
			`${vendor} did not answer in time (the attempt was aborted)`,
		);
	}
	const code = errorCode(error);
	return outcome.retry(
		`${vendor} could not be reached (${code ?? "network error"})`,
	);
}

/** undici nests the system error (ECONNRESET, ENOTFOUND, UND_ERR_SOCKET …) in `cause`. */
function errorCode(error: unknown): string | undefined {
	for (let current = error, depth = 0; depth < 4; depth++) {
		if (typeof current !== "object" || current === null) return undefined;
		const code = (current as { code?: unknown }).code;
		if (typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

function parseJson(text: string): unknown {
	if (text.trim() === "") return undefined;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/**
 * Any non-2xx answer as an outcome. 429 → retry with the vendor's Retry-After and `rateLimited`;
 * 408, 425 and 5xx → retry (with Retry-After when sent, e.g. 503); 401/403 → permanent with the
 * profile's clear message; every other status → permanent with the vendor's own (trimmed) words.
 */
export function classifyFailure(
	reply: HttpReply,
	vendor: VendorProfile,
	nowMs: number,
	fallbackAfterMs?: number,
): DeliveryOutcome {
	const { status } = reply;
	const detail = vendorDetail(reply, vendor);
	const afterMs = parseRetryAfter(reply.headers.get("retry-after"), nowMs);
	if (status === 429) {
		return outcome.retry(
			`${vendor.name} rate-limited the request (429)${suffix(detail)}`,
			{
				httpStatus: status,
				rateLimited: true,
				...definedAfter(afterMs ?? fallbackAfterMs),
			},
		);
	}
	if (status === 401) return outcome.permanent(vendor.unauthorized, status);
	if (status === 403)
		return outcome.permanent(`${vendor.forbidden}${suffix(detail)}`, status);
	if (status === 408 || status === 425 || status >= 500) {
		return outcome.retry(`${vendor.name} answered ${status}${suffix(detail)}`, {
			httpStatus: status,
			...definedAfter(afterMs),
		});
	}
	return outcome.permanent(
		`${vendor.name} refused the request (${status})${suffix(detail)}`,
		status,
	);
}

function definedAfter(afterMs: number | undefined): { afterMs?: number } {
	return afterMs === undefined ? {} : { afterMs };
}

function suffix(detail: string): string {
	return detail === "" ? "" : `: ${detail}`;
}

/** The vendor's message, or its raw body, made safe for a delivery's `last_error`. */
export function vendorDetail(reply: HttpReply, vendor: VendorProfile): string {
	const message = vendor.message?.(reply) ?? reply.text;
	return safeText(message, vendor.secrets);
}

/** One line, no secrets, at most `max` characters: what a vendor said, fit for logs and the dashboard. */
export function safeText(
	text: string,
	secrets: readonly string[],
	max: number = MAX_REASON_CHARS,
): string {
	let out = text.replace(/\s+/g, " ").trim();
	for (const secret of secrets) {
		if (secret.length >= 4 && out.includes(secret))
			out = out.split(secret).join("[redacted]");
	}
	return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** True for 2xx. */
export function isSuccess(reply: HttpReply): boolean {
	return reply.status >= 200 && reply.status < 300;
}

/** A payload or vendor reply that does not have the shape we rely on. */
export function unexpectedShape(vendor: string, what: string): DeliveryOutcome {
	// A 2xx we cannot read is most likely a vendor change or a proxy page: retrying will not fix it.
	return outcome.permanent(
		`${vendor} answered with an unexpected ${what}; see the vendor's API changelog`,
	);
}
