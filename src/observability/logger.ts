/** Structured JSON logs (pino): redacted paths, a scrubbed output, one child logger per request or delivery. */
import { type DestinationStream, type Logger, pino } from "pino";
import { createScrubber } from "./scrub.ts";

export type { Logger } from "pino";

export interface LoggerOptions {
	level: string;
	/** Values from config that must never be printed. */
	secretValues: readonly string[];
	/** Where lines go; stdout by default. Tests pass a collecting stream. */
	destination?: DestinationStream;
}

const REDACT_PATHS = [
	"authorization",
	"cookie",
	"password",
	"secret",
	"token",
	"headers.authorization",
	"headers.cookie",
	'headers["stripe-signature"]',
	'headers["x-zendesk-webhook-signature"]',
	"*.authorization",
	"*.password",
	"*.secret",
	"*.token",
	"*.accessToken",
	"*.apiToken",
	"*.apiKey",
];

/** Logs at `level` (LOG_LEVEL), JSON, one object per line; every line passes the scrubber last. */
export function createLogger(options: LoggerOptions): Logger {
	const scrub = createScrubber(options.secretValues, { maskEmails: true });
	return pino(
		{
			level: options.level,
			base: { service: "plumb" },
			timestamp: pino.stdTimeFunctions.isoTime,
			formatters: { level: (label) => ({ level: label }) },
			redact: { paths: REDACT_PATHS, censor: "[redacted]" },
			hooks: { streamWrite: scrub },
		},
		options.destination ?? pino.destination({ dest: 1, sync: false }),
	);
}
