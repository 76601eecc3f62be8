/** The secrets a serving Plumb works without, but not as its founder expects: named once at start-up. */
import type { Config } from "../config/index.ts";

export interface MissingSecret {
	variable: string;
	consequence: string;
}

export function missingSecrets(config: Config): MissingSecret[] {
	const missing: MissingSecret[] = [];
	if (config.adminToken === undefined)
		missing.push({
			variable: "ADMIN_TOKEN",
			consequence:
				"the dashboard and the admin API refuse everyone; set it (32+ random characters) and restart",
		});
	if (config.stripe.webhookSecrets.length === 0)
		missing.push({
			variable: "STRIPE_WEBHOOK_SECRET",
			consequence:
				"Stripe webhooks are answered 503 (Stripe keeps retrying); set the endpoint's whsec_… secret and restart",
		});
	return missing;
}
