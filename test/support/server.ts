/** A real Plumb HTTP server on a loopback port, over a test database, with captured logs. */

import type { Runtime } from "../../src/cli/runtime.ts";
import { startHttp } from "../../src/cli/serve.ts";
import { createLogger, createMetrics } from "../../src/observability/index.ts";
import type { Db } from "../../src/store/index.ts";
import { captureLogs, testConfig } from "./app.ts";

export interface TestServer {
	url: string;
	runtime: Runtime;
	lines: string[];
	stop(graceMs?: number): Promise<void>;
}

export async function startTestServer(
	db: Db,
	env: Record<string, string> = {},
): Promise<TestServer> {
	const config = testConfig({ PORT: "0", ...env });
	const { stream, lines } = captureLogs();
	const runtime: Runtime = {
		config,
		db,
		logger: createLogger({
			level: config.logLevel,
			secretValues: config.secretValues,
			destination: stream,
		}),
		metrics: createMetrics(),
		now: Date.now,
		close: async () => {},
	};
	const http = await startHttp(runtime);
	return {
		url: http.url,
		runtime,
		lines,
		stop: (graceMs) => http.stop(graceMs),
	};
}
