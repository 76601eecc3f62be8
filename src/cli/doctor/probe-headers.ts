/** Doctor's probe mark: with ADMIN_TOKEN, a refused probe counts apart and feeds no alert rule (http/probe.ts). */
import type { Config } from "../../config/index.ts";
import { PROBE_HEADER, probeMark } from "../../http/index.ts";

export function probeHeaders(
	config: Config,
	method: string,
	target: string,
): Record<string, string> {
	return config.adminToken === undefined
		? {}
		: {
				[PROBE_HEADER]: probeMark(
					config.adminToken,
					Date.now(),
					method,
					new URL(target).pathname,
				),
			};
}
