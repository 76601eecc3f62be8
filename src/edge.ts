/**
 * Composition root for edge runtimes (Deno, Supabase Edge Functions): the same Hono app, serving only
 * its ingest routes (webhooks, /v1, probes) over Postgres. Nothing here starts a worker: the events it
 * stores wake a `plumb worker` running elsewhere through the database (NOTIFY plumb_events), and that
 * worker's safety sweep picks up any wake-up an isolate shut down before sending.
 */
import { Hono } from "hono";
import { createApp } from "./app.ts";
import { ConfigError, edgeEnvironment, loadConfig } from "./config/index.ts";
import { type AppEnv, notFound } from "./http/index.ts";
import { createLogger, createMetrics } from "./observability/index.ts";
import { openPg } from "./store/index.ts";

export interface EdgeIngest {
	fetch(request: Request): Response | Promise<Response>;
	/** Closes the database pool. */
	close(): Promise<void>;
}

export interface EdgeIngestOptions {
	/**
	 * Where the routes live under the function's URL path: Supabase hands a function named `plumb`
	 * the path `/plumb/webhooks/stripe` for `…/functions/v1/plumb/webhooks/stripe`. Default: none.
	 */
	basePath?: string;
}

/**
 * Each isolate serves few requests at once and many isolates may run: a small pool per isolate keeps
 * the database's connection count in check (point DATABASE_URL at a pooler on Supabase, see docs/deno.md).
 */
const EDGE_POOL_SIZE = 3;

/**
 * The ingest app for `env` (the runtime's environment, e.g. `Deno.env.toObject()`, read with the edge's
 * names: config/edge-env.ts). Throws ConfigError naming every bad variable, and when there is no
 * database URL: an edge function has no disk for PGlite.
 */
export function createEdgeIngest(
	env: Record<string, string | undefined>,
	options: EdgeIngestOptions = {},
): EdgeIngest {
	const config = loadConfig(edgeEnvironment(env));
	const url = config.database.url;
	if (url === undefined)
		throw new ConfigError([
			"DATABASE_URL must be set at the edge, or SUPABASE_DB_URL (there is no disk there for the embedded database)",
		]);
	const db = openPg({ connectionString: url, max: EDGE_POOL_SIZE });
	const logger = createLogger({
		level: config.logLevel,
		secretValues: config.secretValues,
		// Edge platforms collect the console; pino's default writer wants a file descriptor.
		destination: { write: (line: string) => console.log(line.trimEnd()) },
	});
	const app = createApp({
		config,
		db,
		logger,
		metrics: createMetrics(),
		routes: "ingest",
	});
	const served =
		options.basePath === undefined ? app : mounted(options.basePath, app);
	return { fetch: (request) => served.fetch(request), close: () => db.close() };
}

/** `app` under `basePath`, answering other paths with the app's own 404 (the mount keeps only its routes). */
function mounted(basePath: string, app: Hono<AppEnv>): Hono<AppEnv> {
	return new Hono<AppEnv>().notFound(notFound).route(basePath, app);
}
