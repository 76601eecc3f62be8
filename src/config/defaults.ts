/** Configuration defaults and the fixed value sets, in one place (read by env.ts and load.ts). */

/** Defaults live in one place. */
export const DEFAULTS = {
	port: 8787,
	host: "127.0.0.1",
	dataDir: "./.plumb/data",
	hubspotBaseUrl: "https://api.hubapi.com",
	stripeApiBase: "https://api.stripe.com",
	/** How often a worker reconciles with Stripe's List Events (with STRIPE_API_KEY). */
	stripeReconcileEveryMs: 60 * 60 * 1000,
	logLevel: "info",
	nodeEnv: "development",
	/** Supabase puts `authenticated` in the `aud` of every signed-in user's access token. */
	supabaseJwtAudience: "authenticated",
	/** POST /v1/events per end user (JWT `sub`), across all processes: a double tap is fine, a loop is not. */
	intentRatePerMinute: 60,
	/** POST /v1/events per API key, across all processes: one chatbot backend speaks for many users. */
	intentKeyRatePerMinute: 600,
	/** Dashboard sessions (README, "The dashboard"): idle and absolute timeouts, in ms. */
	adminSession: { idleMs: 30 * 60 * 1000, maxMs: 12 * 60 * 60 * 1000 },
	/** Delivery engine (src/queue; README, "Deliveries and retries"). Durations in ms. */
	delivery: {
		concurrency: 16,
		timeoutMs: 15_000,
		leaseMs: 60_000,
		horizonMs: 24 * 60 * 60 * 1000,
		backoffBaseMs: 2_000,
		backoffMaxMs: 60 * 60 * 1000,
		drainMs: 10_000,
		/** The safety sweep: NOTIFY and the next due time wake the worker; this catches what they miss. */
		pollMs: 30_000,
	},
	/**
	 * Per destination: calls in flight per process; the rate is shared by every worker process
	 * (plumb.destination_rates), as the vendor counts it per account. HubSpot allows a private app 100 requests per 10 s on
	 * Free/Starter (190 on Pro/Enterprise); its rate counts requests (a batch of up to 100 syncs is a
	 * stage read and an upsert), and a bucket at 8/s lets at most 88 out in any 10 s, leaving room
	 * for the once-per-process property bootstrap (which does not go through the bucket); Zendesk
	 * Support allows 200 requests/min on Team (400–700 above) and a ticket can take a lookup plus a
	 * create, so 90/min; Slack incoming webhooks allow about 1 message/s per channel.
	 */
	deliveryLimits: {
		hubspot: { concurrency: 4, rate: "8/s" },
		zendesk: { concurrency: 2, rate: "90/min" },
		slack: { concurrency: 1, rate: "1/s" },
		email: { concurrency: 2, rate: "2/s" },
	},
	/**
	 * Retention (`plumb prune`, docs/scaling.md): how long each kind of row that only explains the
	 * past is kept; `forever` turns one off. Events, their normalized data and the business state are
	 * kept forever (dedup is forever). Raw payloads: a month covers any support question about a
	 * webhook; attempts and resolved alerts: a quarter, far past the 24 h retry horizon.
	 */
	retention: {
		payloads: "30d",
		attempts: "90d",
		alerts: "90d",
		/** How often a worker prunes (one process at a time). */
		everyMs: 60 * 60 * 1000,
	},
	/** Alert rules (PRODUCT §7; README, "Operating Plumb"). Durations in ms. */
	alerts: {
		intervalMs: 30_000,
		windowMs: 15 * 60_000,
		signatureFailures: 3,
		webhookFailurePercent: 2,
		syncP95Ms: 30_000,
		interventionsPerDay: 5,
		deliveryRetries: 3,
		/** Below this many webhook requests or deliveries in the window, a rate or a p95 says nothing. */
		minSamples: 10,
	},
} as const;

export const TIERS = ["free", "standard", "pro"] as const;
export type Tier = (typeof TIERS)[number];
export const LOG_LEVELS = [
	"trace",
	"debug",
	"info",
	"warn",
	"error",
	"fatal",
	"silent",
] as const;
