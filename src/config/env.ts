/**
 * The environment: one zod parser per variable, with messages that never echo a value. The only
 * module that reads process.env for settings.
 */
import { z } from "zod";
import { LOG_LEVELS, TIERS } from "./defaults.ts";

/** Empty strings count as unset, as they do in most `.env` files. */
const optional = <T extends z.ZodType>(schema: T) =>
	z.preprocess(
		(value) =>
			typeof value === "string" && value.trim() === "" ? undefined : value,
		schema.optional(),
	);

/** A comma-separated list; any bad item gets `message` (plain words), never the validator's own text. */
const csv = (item: z.ZodType<string, string>, message: string) =>
	z
		.string()
		.transform((value) =>
			value
				.split(",")
				.map((part) => part.trim())
				.filter((part) => part !== ""),
		)
		.pipe(
			z
				.array(
					z
						.string()
						.refine((part) => item.safeParse(part).success, { error: message }),
				)
				.min(1, { error: message }),
		);

/** The one-line recipe for a random secret, shown wherever one is missing or too short. */
const MAKE_ONE = "make one with: openssl rand -hex 32";

/** `500ms`, `15s`, `10m`, `24h`, `7d`: a unit is required, so a bare number is never misread. */
export const duration = z
	.string()
	.regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, {
		error: "must be a duration such as 500ms, 15s, 10m, 24h or 7d",
	})
	.transform((value) => {
		const [, amount = "0", unit = "ms"] =
			/^([\d.]+)(ms|s|m|h|d)$/.exec(value) ?? [];
		const scale = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
		return Math.round(Number(amount) * scale[unit as keyof typeof scale]);
	})
	.refine((ms) => ms >= 1, { error: "must be at least 1ms" });

/** A retention period: a duration, or `forever` (never pruned) → milliseconds (Infinity = forever). */
export const retention = z.union(
	[z.literal("forever").transform(() => Number.POSITIVE_INFINITY), duration],
	{ error: "must be a duration such as 30d or 12h, or forever" },
);

/** `5/s`, `90/min`, `1000/h` or `unlimited` → requests per second (Infinity = no limit). */
export const rate = z
	.string()
	.regex(/^(unlimited|\d+(\.\d+)?\/(s|min|h))$/, {
		error: "must be a rate such as 5/s, 90/min, 1000/h or unlimited",
	})
	.transform((value) => {
		if (value === "unlimited") return Number.POSITIVE_INFINITY;
		const [amount = "0", unit = "s"] = value.split("/");
		const seconds = { s: 1, min: 60, h: 3_600 }[unit] ?? 1;
		return Number(amount) / seconds;
	})
	.refine((perSecond) => perSecond > 0, {
		error: "must be above 0 (or unlimited)",
	});

const count = (max: number) =>
	z.coerce
		.number({ error: `must be a whole number from 1 to ${max}` })
		.int({ error: `must be a whole number from 1 to ${max}` })
		.min(1, { error: `must be a whole number from 1 to ${max}` })
		.max(max, { error: `must be a whole number from 1 to ${max}` });

/** Alert thresholds: 0 is allowed ("any"). */
const wholeNumber = z.coerce
	.number({ error: "must be a whole number" })
	.int({ error: "must be a whole number" })
	.min(0, { error: "must be 0 or more" });

/** `2%` or `2` → 2 (percent). */
const percent = z
	.string()
	.regex(/^\d+(\.\d+)?%?$/, { error: "must be a percentage such as 2%" })
	.transform((value) => Number(value.replace("%", "")))
	.refine((value) => value <= 100, { error: "must be at most 100%" });

const url = (message: string) =>
	z.string().refine((value) => {
		try {
			const parsed = new URL(value);
			return parsed.protocol === "http:" || parsed.protocol === "https:";
		} catch {
			return false;
		}
	}, message);

const PLANS_MESSAGE =
	'must be JSON mapping Stripe price ids to plans, such as {"price_123": {"name": "Pro", "tier": "pro"}} (tier: free, standard or pro)';

const plansSchema = z.record(
	z.string(),
	z
		.object({
			name: z.string().optional(),
			tier: z.enum(TIERS).default("standard"),
		})
		.strict(),
);

export const envSchema = z.object({
	NODE_ENV: optional(
		z.enum(["development", "production", "test"], {
			error: "must be development, production or test",
		}),
	),
	PORT: optional(
		z.coerce
			.number({ error: "must be a port number from 0 to 65535" })
			.int({ error: "must be a port number from 0 to 65535" })
			.min(0, { error: "must be a port number from 0 to 65535" })
			.max(65535, { error: "must be a port number from 0 to 65535" }),
	),
	HOST: optional(z.string()),
	DATABASE_URL: optional(
		z.string().regex(/^postgres(ql)?:\/\//, {
			error:
				"must be a postgres:// or postgresql:// URL, such as postgres://user:password@host:5432/dbname",
		}),
	),
	PLUMB_DATA_DIR: optional(z.string()),
	STRIPE_WEBHOOK_SECRET: optional(
		csv(
			z.string().regex(/^whsec_\S+$/),
			"must start with whsec_ (copy it from Stripe → Developers → Webhooks → your endpoint → Signing secret); during a rotation, give both, comma-separated",
		),
	),
	STRIPE_API_KEY: optional(
		z.string().regex(/^(sk|rk)_\S+$/, {
			error:
				"must be a Stripe secret (sk_…) or restricted (rk_…) key, not a publishable pk_… one (Stripe → Developers → API keys)",
		}),
	),
	STRIPE_API_BASE: optional(url("must be an http(s) URL")),
	PLUMB_STRIPE_RECONCILE_EVERY: optional(duration),
	HUBSPOT_ACCESS_TOKEN: optional(
		z.string().regex(/^\S+$/, {
			error:
				"must be a private app's access token, without spaces (HubSpot → Settings → Integrations → Private apps)",
		}),
	),
	HUBSPOT_BASE_URL: optional(url("must be an http(s) URL")),
	ZENDESK_BASE_URL: optional(
		url("must be an http(s) URL such as https://yourco.zendesk.com"),
	),
	ZENDESK_EMAIL: optional(
		z.email({
			error: "must be the e-mail address of the Zendesk agent Plumb acts as",
		}),
	),
	ZENDESK_API_TOKEN: optional(
		z.string().regex(/^\S+$/, {
			error:
				"must be an API token, without spaces (Zendesk Admin Center → Apps and integrations → Zendesk API)",
		}),
	),
	ZENDESK_WEBHOOK_SECRET: optional(
		csv(
			z.string().min(8),
			"must be your Zendesk webhook's signing secret, at least 8 characters (during a rotation, give both, comma-separated)",
		),
	),
	SLACK_WEBHOOK_URL: optional(
		url(
			"must be an incoming webhook URL such as https://hooks.slack.com/services/… (api.slack.com/apps → Incoming Webhooks)",
		),
	),
	// The whole Authorization header value RevenueCat sends (e.g. "Bearer …"); a second one during a rotation.
	REVENUECAT_WEBHOOK_AUTH: optional(
		csv(
			z.string().min(16),
			"must be one or two header values of at least 16 characters, comma-separated (rotation)",
		).pipe(
			z.array(z.string()).max(2, {
				error:
					"must be at most two values: the current one and the one being rotated out",
			}),
		),
	),
	// The id of the webhook in PayPal's developer dashboard: part of every signed message.
	PAYPAL_WEBHOOK_ID: optional(
		z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
			error: "must be the webhook id shown in PayPal's developer dashboard",
		}),
	),
	SMTP_URL: optional(
		z.string().regex(/^smtps?:\/\//, {
			error:
				"must be an smtp:// or smtps:// URL, such as smtps://user:password@smtp.example.com:465",
		}),
	),
	ALERT_EMAIL_TO: optional(
		csv(z.email(), "must be one or more e-mail addresses, comma-separated"),
	),
	ALERT_EMAIL_FROM: optional(
		z
			.string()
			.min(3, { error: "must be an e-mail address or 'Name <address>'" }),
	),
	SUPABASE_JWT_SECRET: optional(
		z.string().min(16, {
			error:
				"must be at least 16 characters (Supabase → Project Settings → API → JWT secret)",
		}),
	),
	SUPABASE_JWKS_URL: optional(url("must be an http(s) URL")),
	SUPABASE_JWT_ISSUER: optional(z.string()),
	SUPABASE_JWT_AUDIENCE: optional(z.string()),
	SUPABASE_WEBHOOK_SECRET: optional(
		z.string().min(16, {
			error: `must be at least 16 characters; ${MAKE_ONE}`,
		}),
	),
	PLUMB_API_KEYS: optional(
		csv(
			z.string().min(16),
			`must be keys of at least 16 characters, comma-separated; ${MAKE_ONE}`,
		),
	),
	ADMIN_TOKEN: optional(
		z
			.string()
			.regex(/^\S+$/, { error: `must not contain spaces; ${MAKE_ONE}` })
			// The dashboard's only credential: a short one falls to guessing. Refused at start, not warned.
			.min(32, { error: `must be at least 32 characters; ${MAKE_ONE}` }),
	),
	PLUMB_CORS_ORIGINS: optional(
		csv(
			z.string(),
			"must be your app's origins, comma-separated, such as https://app.example.com",
		),
	),
	PLUMB_PUBLIC_URL: optional(
		url(
			"must be the http(s) address people reach Plumb at, such as https://plumb.example.com",
		),
	),
	PLUMB_ADMIN_SESSION_IDLE: optional(duration),
	PLUMB_ADMIN_SESSION_MAX: optional(duration),
	PLUMB_INTENT_RATE_PER_MINUTE: optional(
		z.coerce
			.number({ error: "must be a whole number of requests per minute" })
			.int({ error: "must be a whole number of requests per minute" })
			.min(1, { error: "must be at least 1" }),
	),
	PLUMB_INTENT_KEY_RATE_PER_MINUTE: optional(
		z.coerce
			.number({ error: "must be a whole number of requests per minute" })
			.int({ error: "must be a whole number of requests per minute" })
			.min(1, { error: "must be at least 1" }),
	),
	PLUMB_DELIVERY_CONCURRENCY: optional(count(1024)),
	PLUMB_DELIVERY_TIMEOUT: optional(duration),
	PLUMB_DELIVERY_LEASE: optional(duration),
	PLUMB_DELIVERY_RETRY_HORIZON: optional(duration),
	PLUMB_DELIVERY_BACKOFF_BASE: optional(duration),
	PLUMB_DELIVERY_BACKOFF_MAX: optional(duration),
	PLUMB_DELIVERY_DRAIN_TIMEOUT: optional(duration),
	PLUMB_DELIVERY_POLL_INTERVAL: optional(duration),
	PLUMB_HUBSPOT_CONCURRENCY: optional(count(256)),
	PLUMB_HUBSPOT_RATE: optional(rate),
	PLUMB_ZENDESK_CONCURRENCY: optional(count(256)),
	PLUMB_ZENDESK_RATE: optional(rate),
	PLUMB_SLACK_CONCURRENCY: optional(count(256)),
	PLUMB_SLACK_RATE: optional(rate),
	PLUMB_EMAIL_CONCURRENCY: optional(count(256)),
	PLUMB_EMAIL_RATE: optional(rate),
	PLUMB_RETENTION_PAYLOADS: optional(retention),
	PLUMB_RETENTION_ATTEMPTS: optional(retention),
	PLUMB_RETENTION_ALERTS: optional(retention),
	PLUMB_PRUNE_EVERY: optional(duration),
	PLUMB_ALERT_INTERVAL: optional(duration),
	PLUMB_ALERT_WINDOW: optional(duration),
	PLUMB_ALERT_SIGNATURE_FAILURES: optional(wholeNumber),
	PLUMB_ALERT_WEBHOOK_FAILURE_RATE: optional(percent),
	PLUMB_ALERT_SYNC_P95: optional(duration),
	PLUMB_ALERT_INTERVENTIONS_PER_DAY: optional(wholeNumber),
	PLUMB_ALERT_DELIVERY_RETRIES: optional(wholeNumber),
	PLUMB_ALERT_MIN_SAMPLES: optional(wholeNumber),
	PLUMB_LOG_SALT: optional(
		z.string().min(16, {
			error: `must be at least 16 characters; ${MAKE_ONE}`,
		}),
	),
	METRICS_TOKEN: optional(
		z
			.string()
			.regex(/^\S+$/, { error: `must not contain spaces; ${MAKE_ONE}` }),
	),
	LOG_LEVEL: optional(
		z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }),
	),
	PLUMB_PLANS: optional(
		z
			.string()
			.transform((value, ctx) => {
				try {
					return JSON.parse(value) as unknown;
				} catch {
					ctx.addIssue({ code: "custom", message: PLANS_MESSAGE });
					return z.NEVER;
				}
			})
			// One plain sentence for any bad shape, not zod's "expected record, received array".
			.pipe(
				z.unknown().refine((value) => plansSchema.safeParse(value).success, {
					error: PLANS_MESSAGE,
				}),
			)
			.transform((value) => plansSchema.parse(value)),
	),
});

export type Env = z.infer<typeof envSchema>;

/**
 * The variables of `source` (default: process.env), parsed; or one problem per bad variable, in plain
 * words: "STRIPE_WEBHOOK_SECRET must start with whsec_ (…)". Every message is ours (config.test.ts
 * checks each variable), and none echoes the value.
 */
export function readEnv(
	source: Record<string, string | undefined> = process.env,
): { ok: true; env: Env } | { ok: false; problems: string[] } {
	const parsed = envSchema.safeParse(source);
	if (parsed.success) return { ok: true, env: parsed.data };
	// The first problem of each variable: "must not contain spaces" and "too short" at once is noise.
	const problems = new Map<string, string>();
	for (const issue of parsed.error.issues) {
		const variable = String(issue.path[0]);
		if (!problems.has(variable))
			problems.set(variable, `${variable} ${issue.message}`);
	}
	return { ok: false, problems: [...problems.values()] };
}
