/** What the admin API and dashboard need, and the per-request values they share. */
import type { Config } from "../config/index.ts";
import type { AppEnv } from "../http/index.ts";
import type { Metrics } from "../observability/index.ts";
import type { Db } from "../store/index.ts";
import type { Redactor } from "./redact.ts";

export interface AdminDeps {
	db: Db;
	config: Config;
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
