import { describe, expect, it } from "vitest";
import { envSchema } from "./env.ts";
import {
	ConfigError,
	configuredConnectors,
	DEFAULTS,
	loadConfig,
} from "./index.ts";

function problemsOf(env: Record<string, string>): string {
	try {
		loadConfig(env);
	} catch (error) {
		if (error instanceof ConfigError) return error.message;
		throw error;
	}
	throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
	it("starts with nothing set: embedded database, default address, every connector not configured", () => {
		const config = loadConfig({});
		expect(config.database).toEqual({
			url: undefined,
			dataDir: DEFAULTS.dataDir,
		});
		expect(config.http).toEqual({
			port: 8787,
			host: "127.0.0.1",
			corsOrigins: [],
		});
		expect(configuredConnectors(config)).toEqual({
			hubspot: false,
			zendesk: false,
			slack: false,
			email: false,
		});
		expect(config.stripe.webhookSecrets).toEqual([]);
		expect(Object.isFrozen(config)).toBe(true);
	});

	it("parses every variable of PRODUCT §1", () => {
		const config = loadConfig({
			PORT: "9000",
			HOST: "0.0.0.0",
			DATABASE_URL: "postgres://u:p4ssw0rd!@db:5432/plumb",
			PLUMB_DATA_DIR: "/var/plumb",
			STRIPE_WEBHOOK_SECRET: "whsec_one123, whsec_two456",
			STRIPE_API_KEY: "sk_test_123456",
			STRIPE_API_BASE: "http://127.0.0.1:12111",
			PLUMB_STRIPE_RECONCILE_EVERY: "15m",
			HUBSPOT_ACCESS_TOKEN: "pat-na1-123456",
			HUBSPOT_BASE_URL: "http://127.0.0.1:4010",
			ZENDESK_BASE_URL: "https://acme.zendesk.com",
			ZENDESK_EMAIL: "ops@acme.test",
			ZENDESK_API_TOKEN: "zd-token-123456",
			ZENDESK_WEBHOOK_SECRET: "zd-webhook-secret",
			SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/X",
			SMTP_URL: "smtp://user:mailpass99@127.0.0.1:2525",
			ALERT_EMAIL_TO: "a@acme.test,b@acme.test",
			ALERT_EMAIL_FROM: "Plumb <plumb@acme.test>",
			SUPABASE_JWT_SECRET: "super-secret-jwt-token-with-at-least-32",
			SUPABASE_JWKS_URL:
				"https://proj.supabase.co/auth/v1/.well-known/jwks.json",
			SUPABASE_WEBHOOK_SECRET: "supabase-hook-secret-1",
			PLUMB_API_KEYS: "key-aaaaaaaaaaaaaaaa,key-bbbbbbbbbbbbbbbb",
			ADMIN_TOKEN: "admin-token-0123456789abcdef-0123456",
			PLUMB_CORS_ORIGINS: "https://app.acme.test",
			METRICS_TOKEN: "metrics-token-1",
			LOG_LEVEL: "warn",
			PLUMB_PLANS:
				'{"price_123": {"name": "Pro monthly", "tier": "pro"}, "basic": {}}',
		});
		expect(config.http).toEqual({
			port: 9000,
			host: "0.0.0.0",
			corsOrigins: ["https://app.acme.test"],
		});
		expect(config.stripe.webhookSecrets).toEqual([
			"whsec_one123",
			"whsec_two456",
		]);
		expect(config.stripe.reconcileEveryMs).toBe(15 * 60_000);
		expect(configuredConnectors(config)).toEqual({
			hubspot: true,
			zendesk: true,
			slack: true,
			email: true,
		});
		expect(config.email?.to).toEqual(["a@acme.test", "b@acme.test"]);
		expect(config.plans).toEqual({
			price_123: { name: "Pro monthly", tier: "pro" },
			basic: { tier: "standard" },
		});
		expect(config.apiKeys).toHaveLength(2);
		// The scrubber list holds secrets, including passwords inside connection URLs.
		expect(config.secretValues).toEqual(
			expect.arrayContaining([
				"whsec_one123",
				"p4ssw0rd!",
				"mailpass99",
				"admin-token-0123456789abcdef-0123456",
				"pat-na1-123456",
			]),
		);
	});

	it("keeps payloads 30 days and attempts and resolved alerts 90 days unless told otherwise; forever turns one off", () => {
		expect(loadConfig({}).retention).toEqual({
			payloadsMs: 30 * 86_400_000,
			attemptsMs: 90 * 86_400_000,
			alertsMs: 90 * 86_400_000,
			everyMs: 3_600_000,
		});
		expect(
			loadConfig({
				PLUMB_RETENTION_PAYLOADS: "7d",
				PLUMB_RETENTION_ATTEMPTS: "forever",
				PLUMB_RETENTION_ALERTS: "",
				PLUMB_PRUNE_EVERY: "10m",
			}).retention,
		).toEqual({
			payloadsMs: 7 * 86_400_000,
			attemptsMs: undefined,
			alertsMs: 90 * 86_400_000,
			everyMs: 600_000,
		});
	});

	it("treats empty strings as unset", () => {
		const config = loadConfig({
			DATABASE_URL: "",
			HUBSPOT_ACCESS_TOKEN: " ",
			PORT: "",
		});
		expect(config.database.url).toBeUndefined();
		expect(config.hubspot).toBeUndefined();
		expect(config.http.port).toBe(8787);
	});

	it.each([
		[
			"STRIPE_WEBHOOK_SECRET",
			"sk_live_not_a_webhook_secret_SENTINEL",
			/whsec_/,
		],
		["STRIPE_WEBHOOK_SECRET", "whsec_ok123,plain-SENTINEL", /whsec_/],
		["HUBSPOT_BASE_URL", "not a url SENTINEL", /http\(s\) URL/],
		["ZENDESK_BASE_URL", "ftp://SENTINEL.example", /http\(s\) URL/],
		["DATABASE_URL", "mysql://root:SENTINEL@db/x", /postgres/],
		["PORT", "SENTINEL", /port/],
		["LOG_LEVEL", "SENTINEL", /one of/],
		["PLUMB_PLANS", "{SENTINEL", /JSON/],
		["PLUMB_PLANS", '{"p": {"tier": "SENTINEL"}}', /./],
		["STRIPE_API_KEY", "pk_live_SENTINEL", /sk_/],
		["PLUMB_STRIPE_RECONCILE_EVERY", "60SENTINEL", /duration/],
		["PLUMB_RETENTION_PAYLOADS", "SENTINEL", /forever/],
		["PLUMB_RETENTION_ALERTS", "0s", /at least 1ms|forever/],
		["PLUMB_PRUNE_EVERY", "1SENTINEL", /duration/],
		["REVENUECAT_WEBHOOK_AUTH", "SENTINEL", /16 characters/],
		[
			"REVENUECAT_WEBHOOK_AUTH",
			"Bearer SENTINEL-one-0123456,Bearer SENTINEL-two-0123456,Bearer SENTINEL-three-012",
			/at most two/,
		],
		["PAYPAL_WEBHOOK_ID", "SENTINEL id with spaces", /webhook id/],
	])(
		"stops on a bad %s, naming it without printing the value",
		(name, value, hint) => {
			const message = problemsOf({ [name]: value });
			expect(message).toContain(name);
			expect(message).toMatch(hint);
			expect(message).not.toContain("SENTINEL");
		},
	);

	it("reads RevenueCat's Authorization values (two during a rotation) and PayPal's webhook id, as secrets where they are", () => {
		const config = loadConfig({
			REVENUECAT_WEBHOOK_AUTH:
				"Bearer rc-new-0123456789abcdef, Bearer rc-old-0123456789abcdef",
			PAYPAL_WEBHOOK_ID: "8PT597110X687430LJ",
		});
		expect(config.revenueCatWebhookAuth).toEqual([
			"Bearer rc-new-0123456789abcdef",
			"Bearer rc-old-0123456789abcdef",
		]);
		expect(config.paypalWebhookId).toBe("8PT597110X687430LJ");
		expect(config.secretValues).toContain("Bearer rc-old-0123456789abcdef");
		expect(loadConfig({}).revenueCatWebhookAuth).toEqual([]);
	});

	it("stops when a connector is only half configured, naming what is missing", () => {
		const message = problemsOf({
			ZENDESK_BASE_URL: "https://acme.zendesk.com",
			ZENDESK_API_TOKEN: "tok-SENTINEL",
		});
		expect(message).toContain("ZENDESK_EMAIL");
		expect(message).not.toContain("tok-SENTINEL");
		expect(problemsOf({ SMTP_URL: "smtp://127.0.0.1:25" })).toMatch(
			/ALERT_EMAIL_TO, ALERT_EMAIL_FROM/,
		);
	});

	it("reports every problem at once", () => {
		const message = problemsOf({
			PORT: "x",
			LOG_LEVEL: "loud",
			STRIPE_WEBHOOK_SECRET: "nope",
		});
		expect(
			message.split("\n").filter((line) => line.startsWith("  - ")),
		).toHaveLength(3);
	});
});

describe("rate-limit configuration", () => {
	it("defaults to 60 a minute per user and 600 per API key, and refuses nonsense by name", () => {
		expect(loadConfig({}).intents).toEqual({
			userRatePerMinute: 60,
			keyRatePerMinute: 600,
		});
		expect(
			loadConfig({ PLUMB_INTENT_RATE_PER_MINUTE: "5" }).intents
				.userRatePerMinute,
		).toBe(5);
		for (const value of ["0", "1.5", "lots"]) {
			expect(() =>
				loadConfig({ PLUMB_INTENT_KEY_RATE_PER_MINUTE: value }),
			).toThrow(ConfigError);
			expect(() =>
				loadConfig({ PLUMB_INTENT_KEY_RATE_PER_MINUTE: value }),
			).toThrow(/PLUMB_INTENT_KEY_RATE_PER_MINUTE/);
		}
		expect(loadConfig({}).supabase.jwtAudience).toBe("authenticated");
	});
});

describe("alert thresholds", () => {
	it("default to PRODUCT §7 (the alert-rule tests use the same values)", () => {
		expect(loadConfig({}).alerts).toEqual({
			intervalMs: 30_000,
			windowMs: 15 * 60_000,
			signatureFailures: 3,
			webhookFailurePercent: 2,
			syncP95Ms: 30_000,
			interventionsPerDay: 5,
			deliveryRetries: 3,
			minSamples: 10,
		});
	});
});

describe("configuration errors in plain words", () => {
	/** A bad value for every variable that has a format; each holds SENTINEL where the format allows. */
	const BAD: Record<string, string> = {
		NODE_ENV: "SENTINEL",
		PORT: "-1",
		DATABASE_URL: "mysql://root:SENTINEL@db/x",
		STRIPE_WEBHOOK_SECRET: "whsec_ok123,SENTINEL",
		STRIPE_API_KEY: "pk_live_SENTINEL",
		STRIPE_API_BASE: "SENTINEL",
		PLUMB_STRIPE_RECONCILE_EVERY: "60SENTINEL",
		HUBSPOT_ACCESS_TOKEN: "pat SENTINEL",
		HUBSPOT_BASE_URL: "SENTINEL",
		ZENDESK_BASE_URL: "ftp://SENTINEL",
		ZENDESK_EMAIL: "SENTINEL",
		ZENDESK_API_TOKEN: "tok SENTINEL",
		ZENDESK_WEBHOOK_SECRET: "abcdefghij,SENTI",
		SLACK_WEBHOOK_URL: "SENTINEL",
		REVENUECAT_WEBHOOK_AUTH: "SENTINEL",
		PAYPAL_WEBHOOK_ID: "SENTINEL id with spaces",
		SMTP_URL: "http://SENTINEL",
		ALERT_EMAIL_TO: "ops@example.com,SENTINEL",
		ALERT_EMAIL_FROM: "SE",
		SUPABASE_JWT_SECRET: "SENTINEL",
		SUPABASE_JWKS_URL: "SENTINEL",
		SUPABASE_WEBHOOK_SECRET: "SENTINEL",
		PLUMB_API_KEYS: "SENTINEL",
		ADMIN_TOKEN: "SENTINEL",
		PLUMB_CORS_ORIGINS: ",",
		PLUMB_PUBLIC_URL: "SENTINEL",
		PLUMB_ADMIN_SESSION_IDLE: "SENTINEL",
		PLUMB_ADMIN_SESSION_MAX: "0ms",
		PLUMB_INTENT_RATE_PER_MINUTE: "SENTINEL",
		PLUMB_INTENT_KEY_RATE_PER_MINUTE: "0",
		PLUMB_DELIVERY_CONCURRENCY: "1.5",
		PLUMB_DELIVERY_TIMEOUT: "10",
		PLUMB_DELIVERY_LEASE: "SENTINEL",
		PLUMB_DELIVERY_RETRY_HORIZON: "SENTINEL",
		PLUMB_DELIVERY_BACKOFF_BASE: "SENTINEL",
		PLUMB_DELIVERY_BACKOFF_MAX: "SENTINEL",
		PLUMB_DELIVERY_DRAIN_TIMEOUT: "SENTINEL",
		PLUMB_DELIVERY_POLL_INTERVAL: "SENTINEL",
		PLUMB_HUBSPOT_CONCURRENCY: "0",
		PLUMB_HUBSPOT_RATE: "SENTINEL",
		PLUMB_ZENDESK_CONCURRENCY: "9999",
		PLUMB_ZENDESK_RATE: "0/s",
		PLUMB_SLACK_CONCURRENCY: "SENTINEL",
		PLUMB_SLACK_RATE: "SENTINEL",
		PLUMB_EMAIL_CONCURRENCY: "SENTINEL",
		PLUMB_EMAIL_RATE: "SENTINEL",
		PLUMB_RETENTION_PAYLOADS: "SENTINEL",
		PLUMB_RETENTION_ATTEMPTS: "0s",
		PLUMB_RETENTION_ALERTS: "never",
		PLUMB_PRUNE_EVERY: "SENTINEL",
		PLUMB_ALERT_INTERVAL: "SENTINEL",
		PLUMB_ALERT_WINDOW: "SENTINEL",
		PLUMB_ALERT_SIGNATURE_FAILURES: "-1",
		PLUMB_ALERT_WEBHOOK_FAILURE_RATE: "101%",
		PLUMB_ALERT_SYNC_P95: "SENTINEL",
		PLUMB_ALERT_INTERVENTIONS_PER_DAY: "SENTINEL",
		PLUMB_ALERT_DELIVERY_RETRIES: "1.5",
		PLUMB_ALERT_MIN_SAMPLES: "SENTINEL",
		PLUMB_LOG_SALT: "SENTINEL",
		METRICS_TOKEN: "tok SENTINEL",
		LOG_LEVEL: "SENTINEL",
		PLUMB_PLANS: '{"price_1": {"tier": "SENTINEL"}}',
	};
	/** Free text: any value is accepted. */
	const FREE = [
		"HOST",
		"PLUMB_DATA_DIR",
		"SUPABASE_JWT_ISSUER",
		"SUPABASE_JWT_AUDIENCE",
	];
	/** What zod says when a schema has no message of ours. */
	const VALIDATOR_WORDS =
		/Invalid|expected|pattern|Too (small|big)|Unrecognized|received/;

	it("has a bad sample for every variable with a format", () => {
		expect(
			Object.keys(envSchema.shape).filter((name) => !FREE.includes(name)),
		).toEqual(Object.keys(BAD));
	});

	it.each(Object.entries(BAD))(
		"%s: one sentence naming the variable, in our words, without the value",
		(name, value) => {
			const message = problemsOf({ [name]: value });
			const lines = message.split("\n").filter((l) => l.startsWith("  - "));
			expect(lines).toHaveLength(1);
			expect(lines[0]).toMatch(new RegExp(`^  - ${name} must `));
			expect(lines[0]).not.toMatch(VALIDATOR_WORDS);
			expect(message).not.toContain("SENTINEL");
			expect(message).not.toContain("SENTI,");
		},
	);

	it("says where a value comes from, or how to make one", () => {
		expect(problemsOf({ STRIPE_WEBHOOK_SECRET: "sk_test_x" })).toContain(
			"STRIPE_WEBHOOK_SECRET must start with whsec_ (copy it from Stripe → Developers → Webhooks",
		);
		expect(problemsOf({ ADMIN_TOKEN: "has a space" })).toContain(
			"openssl rand -hex 32",
		);
		expect(problemsOf({ ADMIN_TOKEN: "short" })).toContain(
			"ADMIN_TOKEN must be at least 32 characters; make one with: openssl rand -hex 32",
		);
		expect(problemsOf({ PLUMB_PLANS: "[1]" })).toContain(
			'PLUMB_PLANS must be JSON mapping Stripe price ids to plans, such as {"price_123"',
		);
	});

	it("still parses good values of the reworded variables", () => {
		const config = loadConfig({
			STRIPE_WEBHOOK_SECRET: "whsec_a1, whsec_b2",
			ALERT_EMAIL_TO: "a@example.com,b@example.com",
			SMTP_URL: "smtp://mail.example.com:25",
			ALERT_EMAIL_FROM: "Plumb <plumb@example.com>",
			PLUMB_PLANS: '{"price_1": {"name": "Pro", "tier": "pro"}}',
		});
		expect(config.stripe.webhookSecrets).toEqual(["whsec_a1", "whsec_b2"]);
		expect(config.email?.to).toEqual(["a@example.com", "b@example.com"]);
		expect(config.plans).toEqual({ price_1: { name: "Pro", tier: "pro" } });
	});
});
