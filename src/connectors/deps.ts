/** What every connector is built with: injected, so tests drive time and HTTP without switches in the code. */
import type { Logger } from "../observability/index.ts";

export interface ConnectorDeps {
	/** A child logger per connector is made from it; connectors never log a secret or a URL with one. */
	logger: Logger;
	/** Every vendor call goes through this (default `globalThis.fetch`). */
	fetch: typeof fetch;
	/** Milliseconds since the epoch, for Retry-After dates. */
	now: () => number;
}
