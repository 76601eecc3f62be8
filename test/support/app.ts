/** An in-process Plumb app over a test database, with its log lines captured for assertions. */
import { Writable } from "node:stream";
import { createApp } from "../../src/app.ts";
import { type Config, loadConfig } from "../../src/config/index.ts";
import {
	createLogger,
	createMetrics,
	type Metrics,
} from "../../src/observability/index.ts";
import type { Db } from "../../src/store/index.ts";

export const TEST_STRIPE_SECRET = "whsec_test_plumb_0123456789abcdef";
export const TEST_ADMIN_TOKEN = "admin-token-for-tests-0123456789";

export interface TestApp {
	app: ReturnType<typeof createApp>;
	config: Config;
	metrics: Metrics;
	/** Every log line written so far, parsed. */
	logs: () => Array<Record<string, unknown>>;
	/** The raw text of every log line, for "this string never appears" checks. */
	rawLogs: () => string;
}

export function testConfig(env: Record<string, string> = {}): Config {
	return loadConfig({
		NODE_ENV: "test",
		LOG_LEVEL: "debug",
		STRIPE_WEBHOOK_SECRET: TEST_STRIPE_SECRET,
		ADMIN_TOKEN: TEST_ADMIN_TOKEN,
		...env,
	});
}

export function captureLogs(): { stream: Writable; lines: string[] } {
	const lines: string[] = [];
	const stream = new Writable({
		write(chunk, _encoding, callback) {
			lines.push(...String(chunk).split("\n").filter(Boolean));
			callback();
		},
	});
	return { stream, lines };
}

export function testApp(
	db: Db,
	options: {
		env?: Record<string, string>;
		now?: () => number;
		fetch?: typeof fetch;
	} = {},
): TestApp {
	const config = testConfig(options.env);
	const { stream, lines } = captureLogs();
	const logger = createLogger({
		level: config.logLevel,
		secretValues: config.secretValues,
		destination: stream,
	});
	const metrics = createMetrics();
	const app = createApp({
		config,
		db,
		logger,
		metrics,
		...(options.now ? { now: options.now } : {}),
		...(options.fetch ? { fetch: options.fetch } : {}),
	});
	return {
		app,
		config,
		metrics,
		logs: () =>
			lines.map((line) => JSON.parse(line) as Record<string, unknown>),
		rawLogs: () => lines.join("\n"),
	};
}
