/**
 * The CLI's words for the two failures people hit first: a database it cannot use (named by
 * DATABASE_URL with host and port, never the password) and a host it cannot reach (named, never a bare
 * "fetch failed").
 */
import { isDatabaseUnavailable, pgAddress, sqlState } from "../store/index.ts";

/** TLS verification codes: the address answers, but with a certificate this machine refuses. */
const CERTIFICATE_WORDS: Readonly<Record<string, string>> = {
	CERT_HAS_EXPIRED: "its TLS certificate has expired",
	CERT_NOT_YET_VALID: "its TLS certificate is not valid yet",
	DEPTH_ZERO_SELF_SIGNED_CERT: "its TLS certificate is self-signed",
	SELF_SIGNED_CERT_IN_CHAIN:
		"its TLS certificate comes from an authority not trusted here",
	UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		"its TLS certificate comes from an authority not trusted here",
	UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		"its TLS certificate comes from an authority not trusted here",
	ERR_TLS_CERT_ALTNAME_INVALID: "its TLS certificate is for another name",
};

/** System error codes, as undici and pg nest them in `cause`, in plain words. */
const NETWORK_WORDS: Readonly<Record<string, string>> = {
	ECONNREFUSED: "connection refused (nothing listens there)",
	ECONNRESET: "the connection was reset",
	ETIMEDOUT: "the connection timed out",
	ENOTFOUND: "no such host (DNS)",
	EAI_AGAIN: "the host name could not be resolved right now (DNS)",
	EHOSTUNREACH: "the host is unreachable",
	ENETUNREACH: "the network is unreachable",
	UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
	UND_ERR_SOCKET: "the connection closed unexpectedly",
	...CERTIFICATE_WORDS,
};

/** The innermost `code` of an error and its causes (ECONNREFUSED, 28P01 …). */
function innermostCode(error: unknown): string | undefined {
	let found: string | undefined;
	for (let current = error, depth = 0; depth < 5; depth++) {
		if (typeof current !== "object" || current === null) break;
		const code = sqlState(current);
		if (code !== undefined) found = code;
		if (current instanceof AggregateError && current.errors.length > 0)
			current = current.errors[0];
		else current = (current as { cause?: unknown }).cause;
	}
	return found;
}

/** True when a fetch failed on the certificate, not on reaching the host. */
export function isCertificateProblem(error: unknown): boolean {
	const code = innermostCode(error);
	return code !== undefined && code in CERTIFICATE_WORDS;
}

/** `host:port` of an http(s) URL (the default port spelled out), never its path or credentials. */
export function hostOf(url: string): string {
	try {
		const parsed = new URL(url);
		const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
		return `${parsed.hostname}:${port}`;
	} catch {
		return "an unparseable address";
	}
}

/**
 * "cannot reach plumb.example.com:443: connection refused (nothing listens there)": for a fetch that
 * threw. A timeout says so; anything else keeps the code, which never carries a secret.
 */
export function unreachable(url: string, error: unknown): string {
	const name = error instanceof Error ? error.name : "";
	if (name === "TimeoutError" || name === "AbortError")
		return `${hostOf(url)} did not answer in time`;
	const code = innermostCode(error);
	const words =
		code === undefined ? "network error" : (NETWORK_WORDS[code] ?? code);
	return `cannot reach ${hostOf(url)}: ${words}`;
}

/** SQLSTATEs of a database that answers but will not let us in, each with what to check. */
const LOGIN_PROBLEMS: Readonly<Record<string, string>> = {
	"28P01": "refused the user name or password: check them in DATABASE_URL",
	"28000":
		"refused the login: check the user name in DATABASE_URL and the server's pg_hba.conf",
	"3D000":
		"has no database by the name at the end of DATABASE_URL: create it or fix the name",
};

/**
 * A database failure in plain words naming DATABASE_URL and where it points, or undefined when
 * `error` is not about reaching or logging in to the database (a failing statement says so itself).
 */
export function databaseProblem(
	databaseUrl: string | undefined,
	error: unknown,
): string | undefined {
	if (databaseUrl === undefined) return undefined;
	const where = `the database at DATABASE_URL (${pgAddress(databaseUrl)})`;
	const code = innermostCode(error);
	const login = code === undefined ? undefined : LOGIN_PROBLEMS[code];
	if (login !== undefined) return `${where} ${login}`;
	if (!isDatabaseUnavailable(error)) return undefined;
	const words = code === undefined ? undefined : NETWORK_WORDS[code];
	return `cannot reach ${where}${words ? `: ${words}` : ""}. Is it running, and are the host and port right?`;
}
