import { describe, expect, it } from "vitest";
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
