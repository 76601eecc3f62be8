/**
 * What a running instance may say about its own configuration, for `plumb doctor --url`: which secrets
 * are set (booleans, never a value or a length), which connectors, the mode of the Stripe key, how CORS
 * and the public address are set. The same summary judges the local shell, so both read alike.
 */
import { z } from "zod";
import { configuredConnectors } from "./load.ts";
import type { Config } from "./types.ts";

/** The secrets doctor asks about, by the variable that sets each. */
export const SUMMARIZED_SECRETS = [
	"STRIPE_WEBHOOK_SECRET",
	"STRIPE_API_KEY",
	"ZENDESK_WEBHOOK_SECRET",
	"REVENUECAT_WEBHOOK_AUTH",
	"PAYPAL_WEBHOOK_ID",
	"SUPABASE_JWT_SECRET",
	"SUPABASE_WEBHOOK_SECRET",
	"PLUMB_API_KEYS",
	"ADMIN_TOKEN",
	"METRICS_TOKEN",
	"PLUMB_LOG_SALT",
] as const;

export const configSummarySchema = z.object({
	env: z.enum(["development", "production", "test"]),
	/**
	 * The secret variables set and unset, by name: lists, not `{NAME: true}`, because the admin API's
	 * redactor masks every value under a secret-looking key, and these names all look like one.
	 */
	variables: z.object({
		set: z.array(z.enum(SUMMARIZED_SECRETS)),
		unset: z.array(z.enum(SUMMARIZED_SECRETS)),
	}),
	connectors: z.object({
		hubspot: z.boolean(),
		zendesk: z.boolean(),
		slack: z.boolean(),
		email: z.boolean(),
	}),
	/** test or live: a test-mode key in production is a launch blocker. */
	stripe_key_mode: z.enum(["test", "live"]).nullable(),
	cors: z.object({ origins: z.number().int(), any: z.boolean() }),
	public_url: z.string(),
	/** False when PLUMB_PUBLIC_URL is unset: alerts then link to the listen address. */
	public_url_set: z.boolean(),
});

export type ConfigSummary = z.infer<typeof configSummarySchema>;

export function summarizeConfig(config: Config): ConfigSummary {
	const set: Record<(typeof SUMMARIZED_SECRETS)[number], boolean> = {
		STRIPE_WEBHOOK_SECRET: config.stripe.webhookSecrets.length > 0,
		STRIPE_API_KEY: config.stripe.apiKey !== undefined,
		ZENDESK_WEBHOOK_SECRET: config.zendeskWebhookSecrets.length > 0,
		REVENUECAT_WEBHOOK_AUTH: config.revenueCatWebhookAuth.length > 0,
		PAYPAL_WEBHOOK_ID: config.paypalWebhookId !== undefined,
		SUPABASE_JWT_SECRET: config.supabase.jwtSecret !== undefined,
		SUPABASE_WEBHOOK_SECRET: config.supabase.webhookSecret !== undefined,
		PLUMB_API_KEYS: config.apiKeys.length > 0,
		ADMIN_TOKEN: config.adminToken !== undefined,
		METRICS_TOKEN: config.metricsToken !== undefined,
		PLUMB_LOG_SALT: config.logSalt !== undefined,
	};
	const key = config.stripe.apiKey;
	return {
		env: config.env,
		variables: {
			set: SUMMARIZED_SECRETS.filter((name) => set[name]),
			unset: SUMMARIZED_SECRETS.filter((name) => !set[name]),
		},
		connectors: configuredConnectors(config),
		stripe_key_mode:
			key === undefined ? null : /^(sk|rk)_test_/.test(key) ? "test" : "live",
		cors: {
			origins: config.http.corsOrigins.length,
			any: config.http.corsOrigins.includes("*"),
		},
		public_url: config.publicUrl,
		// Unset, it defaults to the listen address, which people elsewhere cannot open.
		public_url_set:
			config.publicUrl !== `http://${config.http.host}:${config.http.port}`,
	};
}
