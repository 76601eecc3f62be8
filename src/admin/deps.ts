/** What the admin API and dashboard need, and the per-request values they share. */
import type { Destination } from "../core/index.ts";
import type { AppEnv } from "../http/index.ts";
import type { Metrics } from "../observability/index.ts";
import type { Db } from "../store/index.ts";
import type { Redactor } from "./redact.ts";

/** What the admin API and dashboard need from the configuration. */
export interface AdminSettings {
	/** PLUMB_PUBLIC_URL: the origin of same-origin checks; `https://` makes the session cookie `__Host-…; Secure`. */
	readonly publicUrl: string;
	/** ADMIN_TOKEN; unset → the admin API and the dashboard refuse everyone. */
	readonly adminToken: string | undefined;
	/** A dashboard session ends after `sessionIdleMs` without a request, and `sessionMaxMs` after login. */
	readonly sessionIdleMs: number;
	readonly sessionMaxMs: number;
	/** Every configured secret value: responses are redacted against them. */
	readonly secretValues: readonly string[];
	/** Which destinations have a connector (the customer view says "not configured" for the others). */
	readonly connectors: Readonly<Record<Destination, boolean>>;
	/** The wiring's summary of the configuration for `plumb doctor --url`: booleans and counts, never a value. */
	readonly configuration: Readonly<Record<string, unknown>>;
}

export interface AdminDeps {
	db: Db;
	settings: AdminSettings;
	/** The process's registry: the overview reads the signature-failure counter from it. */
	metrics: Metrics;
	/** Milliseconds since the epoch (relative times, the login limiter); tests pin it. */
	now?: () => number;
}

/** What each admin route module gets: the deps, and the one redactor every response goes through. */
export interface AdminRouteDeps extends AdminDeps {
	redactor: Redactor;
	now: () => number;
}

/** Who is calling: the bearer token (scripts) or a dashboard session (people). */
export type Access =
	| { kind: "bearer" }
	| {
			kind: "session";
			/** The SHA-256 of the cookie secret (the session's row key). */
			idHash: string;
			/** The synchronizer token every state-changing request of this session must carry. */
			csrfToken: string;
	  };

export interface AdminEnv {
	Variables: AppEnv["Variables"] & {
		/** This response's CSP nonce (security-headers.ts). */
		nonce: string;
		access: Access;
	};
}

/** Who to write in plumb.interventions: one shared ADMIN_TOKEN names no person, so say how and when. */
export function actorOf(access: Access, requestId: string): string {
	return access.kind === "bearer"
		? `admin-api (request ${requestId})`
		: `dashboard (session ${access.idHash.slice(0, 8)}, request ${requestId})`;
}
