/** The HTTP application: shared middleware, then each area's routes. Runs on Node, Deno or Edge runtimes. */
import { Hono } from "hono";
import { cors } from "hono/cors";
import { adminApi, adminPages } from "./admin/index.ts";
import {
	type Config,
	configuredConnectors,
	summarizeConfig,
} from "./config/index.ts";
import { AppError } from "./core/index.ts";
import {
	type AppEnv,
	hasBearer,
	markProbes,
	noStore,
	notFound,
	onError,
	requestContext,
} from "./http/index.ts";
import {
	intentsApi,
	PaypalCertificates,
	paypalWebhook,
	revenueCatWebhook,
	stripeWebhook,
	supabaseWebhook,
	zendeskWebhook,
} from "./ingest/index.ts";
import type { Logger, Metrics } from "./observability/index.ts";
import { type Db, readiness } from "./store/index.ts";

export interface AppDeps {
	config: Config;
	db: Db;
	logger: Logger;
	metrics: Metrics;
	/** Milliseconds since the epoch; tests pin it to check signature windows. */
	now?: () => number;
	/** Outbound HTTP for PayPal's signing certificates (PayPal's hosts only); default: global fetch. */
	fetch?: typeof fetch;
	/**
	 * False while start-up is still reaching (and migrating) the database: the probes answer, every
	 * other route answers 503 `database_unavailable`. Default: always true.
	 */
	started?: () => boolean;
	/**
	 * "ingest": only the probes, the webhooks and /v1 (an edge function, src/edge.ts: the dashboard and
	 * /metrics belong to a long-lived `plumb serve`). Default "all".
	 */
	routes?: "all" | "ingest";
}

/** Routes that answer before the database is reached: liveness, readiness and metrics. */
const PROBES = new Set(["/healthz", "/readyz", "/metrics"]);

export function createApp(deps: AppDeps): Hono<AppEnv> {
	const now = deps.now ?? Date.now;
	const app = new Hono<AppEnv>();
	app.use("*", requestContext(deps.logger, deps.metrics));
	app.use("*", noStore());
	app.onError(onError);
	app.notFound(notFound);
	const started = deps.started ?? (() => true);
	// Before start-up has migrated the database, other routes would find no tables: refuse them with
	// the same 503 a lost database gets, so providers retry.
	app.use("*", async (c, next) => {
		if (started() || PROBES.has(c.req.path)) return next();
		throw new AppError(
			"database_unavailable",
			"Plumb is still connecting to the database; retry later.",
		);
	});

	const everything = (deps.routes ?? "all") === "all";
	// A person who opens the address the start-up log prints wants the dashboard.
	if (everything) app.get("/", (c) => c.redirect("/admin", 302));
	app.get("/healthz", (c) => c.json({ status: "ok" }));
	app.get("/readyz", async (c) => {
		if (!started())
			return c.json(
				{ status: "not_ready", message: "Connecting to the database." },
				503,
			);
		try {
			const state = await readiness(deps.db);
			if (state === "ready") return c.json({ status: "ready" });
			return c.json(
				{
					status: "not_ready",
					message:
						state === "read_only"
							? "The database refuses writes (a read-only standby, or default_transaction_read_only)."
							: "Database migrations are not applied; run plumb migrate.",
				},
				503,
			);
		} catch {
			return c.json(
				{ status: "not_ready", message: "The database is unreachable." },
				503,
			);
		}
	});
	if (everything)
		app.get("/metrics", async (c) => {
			const token = deps.config.metricsToken;
			if (
				token !== undefined &&
				!hasBearer(c.req.header("authorization"), [token])
			) {
				throw new AppError(
					"unauthorized",
					"Send Authorization: Bearer <METRICS_TOKEN>.",
				);
			}
			c.header("content-type", deps.metrics.registry.contentType);
			return c.body(await deps.metrics.registry.metrics());
		});

	// Before the webhook routes: a marked doctor probe counts apart (http/probe.ts).
	app.use("/webhooks/*", markProbes(deps.config.adminToken, now));
	app.route(
		"/webhooks/stripe",
		stripeWebhook({
			settings: { webhookSecrets: deps.config.stripe.webhookSecrets },
			db: deps.db,
			metrics: deps.metrics,
			now,
		}),
	);
	app.route(
		"/webhooks/revenuecat",
		revenueCatWebhook({
			settings: { authorizations: deps.config.revenueCatWebhookAuth },
			db: deps.db,
			metrics: deps.metrics,
		}),
	);
	app.route(
		"/webhooks/paypal",
		paypalWebhook({
			settings: { webhookId: deps.config.paypalWebhookId },
			db: deps.db,
			metrics: deps.metrics,
			certificates: new PaypalCertificates({
				fetch: deps.fetch ?? globalThis.fetch,
			}),
			now,
		}),
	);
	app.route(
		"/webhooks/zendesk",
		zendeskWebhook({
			settings: { webhookSecrets: deps.config.zendeskWebhookSecrets },
			db: deps.db,
			metrics: deps.metrics,
			now,
		}),
	);
	app.route(
		"/webhooks/supabase",
		supabaseWebhook({
			settings: { webhookSecret: deps.config.supabase.webhookSecret },
			db: deps.db,
			metrics: deps.metrics,
			now,
		}),
	);
	// Browsers may call /v1 only from PLUMB_CORS_ORIGINS (default none: no CORS headers at all).
	// Tokens travel in headers, never cookies, so no credentials mode is needed.
	if (deps.config.http.corsOrigins.length > 0) {
		app.use(
			"/v1/*",
			cors({
				origin: [...deps.config.http.corsOrigins],
				allowMethods: ["GET", "POST"],
				allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key"],
				exposeHeaders: ["X-Request-Id", "Retry-After", "Idempotent-Replayed"],
				maxAge: 600,
			}),
		);
	}
	app.route(
		"/v1",
		intentsApi({
			settings: {
				auth: { supabase: deps.config.supabase, apiKeys: deps.config.apiKeys },
				userRatePerMinute: deps.config.intents.userRatePerMinute,
				keyRatePerMinute: deps.config.intents.keyRatePerMinute,
			},
			db: deps.db,
			metrics: deps.metrics,
			now,
		}),
	);
	if (everything) mountAdmin(app, deps, now);
	return app;
}

/** The dashboard and its JSON API. */
function mountAdmin(app: Hono<AppEnv>, deps: AppDeps, now: () => number) {
	const admin = {
		db: deps.db,
		settings: {
			publicUrl: deps.config.publicUrl,
			adminToken: deps.config.adminToken,
			sessionIdleMs: deps.config.admin.sessionIdleMs,
			sessionMaxMs: deps.config.admin.sessionMaxMs,
			secretValues: deps.config.secretValues,
			connectors: configuredConnectors(deps.config),
			configuration: summarizeConfig(deps.config),
		},
		metrics: deps.metrics,
		now,
	};
	app.route("/admin/api", adminApi(admin));
	// The dashboard's pages; they leave /admin/api to the JSON API above.
	app.route("/admin", adminPages(admin));
}
