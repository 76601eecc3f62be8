/** Typed configuration: the environment (read by env.ts) turned once, loudly, into a frozen Config. */

import { DEFAULTS } from "./defaults.ts";
import { type Env, rate, readEnv, retention } from "./env.ts";
import type {
	AlertSettings,
	Config,
	DeliveryDestination,
	DeliverySettings,
	RetentionSettings,
} from "./types.ts";

/** A misconfigured environment. The message names variables, never their values. */
export class ConfigError extends Error {
	readonly problems: readonly string[];

	constructor(problems: readonly string[]) {
		super(
			`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
		);
		this.name = "ConfigError";
		this.problems = problems;
	}
}

/** Variables that only make sense together: set some and not the others, and start-up stops. */
const GROUPS: ReadonlyArray<readonly (keyof Env)[]> = [
	["ZENDESK_BASE_URL", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN"],
	["SMTP_URL", "ALERT_EMAIL_TO", "ALERT_EMAIL_FROM"],
];

/** The Config of `source` (default: the process environment); throws ConfigError naming every bad variable. */
export function loadConfig(
	source?: Record<string, string | undefined>,
): Config {
	const read = readEnv(source);
	if (!read.ok) throw new ConfigError(read.problems);
	const env = read.env;
	const problems: string[] = [];
	for (const group of GROUPS) {
		const missing = group.filter((name) => env[name] === undefined);
		if (missing.length > 0 && missing.length < group.length) {
			problems.push(
				`${missing.join(", ")} must be set together with ${group.filter((n) => !missing.includes(n)).join(", ")}`,
			);
		}
	}
	const delivery = deliverySettings(env);
	if (delivery.leaseMs <= delivery.timeoutMs)
		problems.push(
			"PLUMB_DELIVERY_LEASE must be longer than PLUMB_DELIVERY_TIMEOUT, or a slow call would lose its lease",
		);
	if (delivery.backoffMaxMs < delivery.backoffBaseMs)
		problems.push(
			"PLUMB_DELIVERY_BACKOFF_MAX must not be shorter than PLUMB_DELIVERY_BACKOFF_BASE",
		);
	if (problems.length > 0) throw new ConfigError(problems);

	const port = env.PORT ?? DEFAULTS.port;
	const host = env.HOST ?? DEFAULTS.host;
	const config: Config = {
		env: env.NODE_ENV ?? DEFAULTS.nodeEnv,
		http: { port, host, corsOrigins: env.PLUMB_CORS_ORIGINS ?? [] },
		database: {
			url: env.DATABASE_URL,
			dataDir: env.PLUMB_DATA_DIR ?? DEFAULTS.dataDir,
		},
		stripe: {
			webhookSecrets: env.STRIPE_WEBHOOK_SECRET ?? [],
			apiKey: env.STRIPE_API_KEY,
			apiBase: env.STRIPE_API_BASE ?? DEFAULTS.stripeApiBase,
			reconcileEveryMs:
				env.PLUMB_STRIPE_RECONCILE_EVERY ?? DEFAULTS.stripeReconcileEveryMs,
		},
		revenueCatWebhookAuth: env.REVENUECAT_WEBHOOK_AUTH ?? [],
		paypalWebhookId: env.PAYPAL_WEBHOOK_ID,
		hubspot: env.HUBSPOT_ACCESS_TOKEN
			? {
					accessToken: env.HUBSPOT_ACCESS_TOKEN,
					baseUrl: env.HUBSPOT_BASE_URL ?? DEFAULTS.hubspotBaseUrl,
				}
			: undefined,
		zendesk:
			env.ZENDESK_BASE_URL && env.ZENDESK_EMAIL && env.ZENDESK_API_TOKEN
				? {
						baseUrl: env.ZENDESK_BASE_URL,
						email: env.ZENDESK_EMAIL,
						apiToken: env.ZENDESK_API_TOKEN,
					}
				: undefined,
		zendeskWebhookSecrets: env.ZENDESK_WEBHOOK_SECRET ?? [],
		slack: env.SLACK_WEBHOOK_URL
			? { webhookUrl: env.SLACK_WEBHOOK_URL }
			: undefined,
		email:
			env.SMTP_URL && env.ALERT_EMAIL_TO && env.ALERT_EMAIL_FROM
				? {
						smtpUrl: env.SMTP_URL,
						to: env.ALERT_EMAIL_TO,
						from: env.ALERT_EMAIL_FROM,
					}
				: undefined,
		supabase: {
			jwtSecret: env.SUPABASE_JWT_SECRET,
			jwksUrl: env.SUPABASE_JWKS_URL,
			jwtIssuer: env.SUPABASE_JWT_ISSUER,
			jwtAudience: env.SUPABASE_JWT_AUDIENCE ?? DEFAULTS.supabaseJwtAudience,
			webhookSecret: env.SUPABASE_WEBHOOK_SECRET,
		},
		intents: {
			userRatePerMinute:
				env.PLUMB_INTENT_RATE_PER_MINUTE ?? DEFAULTS.intentRatePerMinute,
			keyRatePerMinute:
				env.PLUMB_INTENT_KEY_RATE_PER_MINUTE ?? DEFAULTS.intentKeyRatePerMinute,
		},
		apiKeys: env.PLUMB_API_KEYS ?? [],
		adminToken: env.ADMIN_TOKEN,
		admin: {
			sessionIdleMs:
				env.PLUMB_ADMIN_SESSION_IDLE ?? DEFAULTS.adminSession.idleMs,
			sessionMaxMs: env.PLUMB_ADMIN_SESSION_MAX ?? DEFAULTS.adminSession.maxMs,
		},
		metricsToken: env.METRICS_TOKEN,
		publicUrl: env.PLUMB_PUBLIC_URL ?? `http://${host}:${port}`,
		logLevel: env.LOG_LEVEL ?? DEFAULTS.logLevel,
		delivery,
		alerts: alertSettings(env),
		retention: retentionSettings(env),
		logSalt: env.PLUMB_LOG_SALT,
		plans: env.PLUMB_PLANS ?? {},
		secretValues: [
			...(env.STRIPE_WEBHOOK_SECRET ?? []),
			env.STRIPE_API_KEY,
			env.HUBSPOT_ACCESS_TOKEN,
			env.ZENDESK_API_TOKEN,
			...(env.ZENDESK_WEBHOOK_SECRET ?? []),
			...(env.REVENUECAT_WEBHOOK_AUTH ?? []),
			env.SLACK_WEBHOOK_URL,
			env.SMTP_URL ? passwordOf(env.SMTP_URL) : undefined,
			env.SUPABASE_JWT_SECRET,
			env.SUPABASE_WEBHOOK_SECRET,
			...(env.PLUMB_API_KEYS ?? []),
			env.ADMIN_TOKEN,
			env.METRICS_TOKEN,
			env.PLUMB_LOG_SALT,
			env.DATABASE_URL ? passwordOf(env.DATABASE_URL) : undefined,
		].filter(
			(value): value is string =>
				typeof value === "string" && value.length >= 6,
		),
	};
	return Object.freeze(config);
}

function deliverySettings(env: Env): DeliverySettings {
	const d = DEFAULTS.delivery;
	const limit = (
		destination: DeliveryDestination,
		concurrency: number | undefined,
		perSecond: number | undefined,
	) => {
		const chosen =
			perSecond ?? rate.parse(DEFAULTS.deliveryLimits[destination].rate);
		return {
			concurrency:
				concurrency ?? DEFAULTS.deliveryLimits[destination].concurrency,
			ratePerSecond: Number.isFinite(chosen) ? chosen : undefined,
		};
	};
	return {
		concurrency: env.PLUMB_DELIVERY_CONCURRENCY ?? d.concurrency,
		timeoutMs: env.PLUMB_DELIVERY_TIMEOUT ?? d.timeoutMs,
		leaseMs: env.PLUMB_DELIVERY_LEASE ?? d.leaseMs,
		horizonMs: env.PLUMB_DELIVERY_RETRY_HORIZON ?? d.horizonMs,
		backoffBaseMs: env.PLUMB_DELIVERY_BACKOFF_BASE ?? d.backoffBaseMs,
		backoffMaxMs: env.PLUMB_DELIVERY_BACKOFF_MAX ?? d.backoffMaxMs,
		drainMs: env.PLUMB_DELIVERY_DRAIN_TIMEOUT ?? d.drainMs,
		pollMs: env.PLUMB_DELIVERY_POLL_INTERVAL ?? d.pollMs,
		limits: {
			hubspot: limit(
				"hubspot",
				env.PLUMB_HUBSPOT_CONCURRENCY,
				env.PLUMB_HUBSPOT_RATE,
			),
			zendesk: limit(
				"zendesk",
				env.PLUMB_ZENDESK_CONCURRENCY,
				env.PLUMB_ZENDESK_RATE,
			),
			slack: limit("slack", env.PLUMB_SLACK_CONCURRENCY, env.PLUMB_SLACK_RATE),
			email: limit("email", env.PLUMB_EMAIL_CONCURRENCY, env.PLUMB_EMAIL_RATE),
		},
	};
}

function alertSettings(env: Env): AlertSettings {
	const a = DEFAULTS.alerts;
	return {
		intervalMs: env.PLUMB_ALERT_INTERVAL ?? a.intervalMs,
		windowMs: env.PLUMB_ALERT_WINDOW ?? a.windowMs,
		signatureFailures:
			env.PLUMB_ALERT_SIGNATURE_FAILURES ?? a.signatureFailures,
		webhookFailurePercent:
			env.PLUMB_ALERT_WEBHOOK_FAILURE_RATE ?? a.webhookFailurePercent,
		syncP95Ms: env.PLUMB_ALERT_SYNC_P95 ?? a.syncP95Ms,
		interventionsPerDay:
			env.PLUMB_ALERT_INTERVENTIONS_PER_DAY ?? a.interventionsPerDay,
		deliveryRetries: env.PLUMB_ALERT_DELIVERY_RETRIES ?? a.deliveryRetries,
		minSamples: env.PLUMB_ALERT_MIN_SAMPLES ?? a.minSamples,
	};
}

function retentionSettings(env: Env): RetentionSettings {
	const r = DEFAULTS.retention;
	const period = (value: number | undefined, fallback: string) => {
		const ms = value ?? retention.parse(fallback);
		return Number.isFinite(ms) ? ms : undefined;
	};
	return {
		payloadsMs: period(env.PLUMB_RETENTION_PAYLOADS, r.payloads),
		attemptsMs: period(env.PLUMB_RETENTION_ATTEMPTS, r.attempts),
		alertsMs: period(env.PLUMB_RETENTION_ALERTS, r.alerts),
		everyMs: env.PLUMB_PRUNE_EVERY ?? r.everyMs,
	};
}

/** The password inside a connection URL, so logs can scrub it. */
function passwordOf(connectionUrl: string): string | undefined {
	try {
		const password = decodeURIComponent(new URL(connectionUrl).password);
		return password === "" ? undefined : password;
	} catch {
		return undefined;
	}
}

/** Which connectors are configured, for start-up logs and `plumb doctor`. */
export function configuredConnectors(
	config: Config,
): Record<"hubspot" | "zendesk" | "slack" | "email", boolean> {
	return {
		hubspot: config.hubspot !== undefined,
		zendesk: config.zendesk !== undefined,
		slack: config.slack !== undefined,
		email: config.email !== undefined,
	};
}
