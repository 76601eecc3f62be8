/** The per-request context every route can read: its id and a logger that carries it. */
import type { Logger } from "../observability/index.ts";

export interface AppEnv {
	Variables: {
		requestId: string;
		/** Child logger with request_id and correlation_id bound. */
		log: Logger;
		/** A marked `plumb doctor` probe (probe.ts): its refusal counts apart and raises no alert. */
		probe?: boolean;
	};
}
