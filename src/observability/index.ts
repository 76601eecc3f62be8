export type { LogThrottle } from "./log-throttle.ts";
export { logThrottle } from "./log-throttle.ts";
export type { Logger, LoggerOptions } from "./logger.ts";
export { createLogger } from "./logger.ts";
export type { AlertSnapshot, Metrics, QueueSnapshot } from "./metrics.ts";
export { createMetrics } from "./metrics.ts";
export type { Scrubber } from "./scrub.ts";
export { createScrubber } from "./scrub.ts";
export { personHash, setUserHashSalt, userHash } from "./user-hash.ts";
