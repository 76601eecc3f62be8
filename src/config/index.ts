/**
 * Configuration: the environment parsed once into a frozen Config. A leaf: it imports nothing from
 * other src folders, and only the wiring (cli/, app.ts, edge.ts, main.ts) imports it; lower layers declare the
 * narrow settings they need and receive the values from the wiring.
 */
export type { Tier } from "./defaults.ts";
export { DEFAULTS } from "./defaults.ts";
export { edgeEnvironment } from "./edge-env.ts";
export { duration as durationSchema } from "./env.ts";
export { ConfigError, configuredConnectors, loadConfig } from "./load.ts";
export type { ConfigSummary } from "./summary.ts";
export { configSummarySchema, summarizeConfig } from "./summary.ts";
export { colorWanted } from "./terminal.ts";
export type {
	AlertSettings,
	Config,
	DeliverySettings,
	RetentionSettings,
} from "./types.ts";
