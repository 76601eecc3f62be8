/** The typed configuration the wiring (cli/, app.ts, main.ts) receives, built by loadConfig in load.ts. */
import type { DEFAULTS, LOG_LEVELS, Tier } from "./defaults.ts";

export interface Config {
	readonly env: "development" | "production" | "test";
	readonly http: {
		readonly port: number;
		readonly host: string;
		readonly corsOrigins: readonly string[];
	};
	/** `url` unset → embedded PGlite in `dataDir`. */
	readonly database: {
		readonly url: string | undefined;
		readonly dataDir: string;
	};
	readonly stripe: {
		readonly webhookSecrets: readonly string[];
		readonly apiKey: string | undefined;
		readonly apiBase: string;
		/** PLUMB_STRIPE_RECONCILE_EVERY: the worker's reconcile interval (runs only with apiKey). */
		readonly reconcileEveryMs: number;
	};
	/** REVENUECAT_WEBHOOK_AUTH: accepted Authorization header values (two during a rotation). */
	readonly revenueCatWebhookAuth: readonly string[];
	/** PAYPAL_WEBHOOK_ID: unset → PayPal webhooks answer 503. */
	readonly paypalWebhookId: string | undefined;
	readonly hubspot:
		| { readonly accessToken: string; readonly baseUrl: string }
		| undefined;
	readonly zendesk:
		| {
				readonly baseUrl: string;
				readonly email: string;
				readonly apiToken: string;
		  }
		| undefined;
	/** One or more signing secrets; several during a rotation. */
	readonly zendeskWebhookSecrets: readonly string[];
	readonly slack: { readonly webhookUrl: string } | undefined;
	readonly email:
		| {
				readonly smtpUrl: string;
				readonly to: readonly string[];
				readonly from: string;
		  }
		| undefined;
	readonly supabase: {
		readonly jwtSecret: string | undefined;
		readonly jwksUrl: string | undefined;
		readonly jwtIssuer: string | undefined;
		/** Required `aud` of end-user tokens (SUPABASE_JWT_AUDIENCE, default `authenticated`). */
		readonly jwtAudience: string;
		readonly webhookSecret: string | undefined;
	};
	/** POST /v1/events token buckets, per caller, shared by every process (plumb.caller_rates). */
	readonly intents: {
		readonly userRatePerMinute: number;
		readonly keyRatePerMinute: number;
	};
	readonly apiKeys: readonly string[];
	readonly adminToken: string | undefined;
	/** Dashboard sessions: ended after `sessionIdleMs` without a request, and `sessionMaxMs` after login. */
	readonly admin: {
		readonly sessionIdleMs: number;
		readonly sessionMaxMs: number;
	};
	readonly metricsToken: string | undefined;
	readonly publicUrl: string;
	readonly logLevel: (typeof LOG_LEVELS)[number];
	readonly delivery: DeliverySettings;
	readonly alerts: AlertSettings;
	readonly retention: RetentionSettings;
	/** PLUMB_LOG_SALT: the key of user-id hashes in logs; unset → the random value stored in the database. */
	readonly logSalt: string | undefined;
	readonly plans: Readonly<
		Record<string, { readonly name?: string | undefined; readonly tier: Tier }>
	>;
	/** Every secret value, so the logger can scrub them as a last line of defence. */
	readonly secretValues: readonly string[];
}

export type DeliveryDestination = keyof typeof DEFAULTS.deliveryLimits;

/** How the delivery worker runs (src/queue); every duration in milliseconds. */
export interface DeliverySettings {
	/** Connector calls in flight at once in one process, all destinations together. */
	readonly concurrency: number;
	/** One connector call's bound (AbortSignal). */
	readonly timeoutMs: number;
	/** How long a claim is held before another worker may take the delivery back. */
	readonly leaseMs: number;
	/** Transient failures retry for this long (since the first try or the last replay), then go dead. */
	readonly horizonMs: number;
	readonly backoffBaseMs: number;
	readonly backoffMaxMs: number;
	/** On SIGTERM, how long in-flight deliveries may take before they are released. */
	readonly drainMs: number;
	/** Longest sleep between looks at the queue when no notification arrives. */
	readonly pollMs: number;
	/** Per destination: calls in flight (per process) and calls per second (across all processes; undefined = no limit). */
	readonly limits: Readonly<
		Record<
			DeliveryDestination,
			{
				readonly concurrency: number;
				readonly ratePerSecond: number | undefined;
			}
		>
	>;
}

/** The alert rules' thresholds (PRODUCT §7); durations in ms. An alert fires when a value goes *over* its threshold. */
export interface AlertSettings {
	/** How often a worker evaluates the rules (one worker at a time). */
	readonly intervalMs: number;
	/** The window of the webhook and sync-latency rules. */
	readonly windowMs: number;
	/** Failed webhook verifications in the window. */
	readonly signatureFailures: number;
	/** Webhook requests answered 4xx/5xx, as a percentage of all webhook requests in the window. */
	readonly webhookFailurePercent: number;
	/** p95 of event received → delivered, in the window. */
	readonly syncP95Ms: number;
	/** Manual interventions in the last 24 hours. */
	readonly interventionsPerDay: number;
	/** Failed attempts of one delivery that is still being retried. */
	readonly deliveryRetries: number;
	/** Fewest webhook requests (or deliveries) in the window for the rate (or p95) rule to judge. */
	readonly minSamples: number;
}

/** What `plumb prune` removes and how often the worker runs it; undefined = kept forever. In ms. */
export interface RetentionSettings {
	/** Raw payloads of processed events older than this are removed (the event row stays). */
	readonly payloadsMs: number | undefined;
	/** Delivery attempts older than this are deleted (the delivery keeps its last error and count). */
	readonly attemptsMs: number | undefined;
	/** Alerts resolved longer ago than this are deleted. */
	readonly alertsMs: number | undefined;
	/** PLUMB_PRUNE_EVERY: the worker's prune interval. */
	readonly everyMs: number;
}
