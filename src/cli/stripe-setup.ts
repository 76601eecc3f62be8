/**
 * `plumb stripe setup [--create]`: through Stripe's API, find the webhook endpoint at
 * PLUMB_PUBLIC_URL/webhooks/stripe and compare it with the events and API version Plumb wants;
 * with --create, make it (once) and print its signing secret, the only time Stripe shows it.
 */
import { parseArgs } from "node:util";
import type { Config } from "../config/index.ts";
import { createScrubber } from "../observability/index.ts";
import {
	compareEndpoint,
	createPlumbEndpoint,
	createStripeApi,
	findEndpoint,
	listWebhookEndpoints,
	plumbWebhookUrl,
	STRIPE_API_VERSION,
	StripeApiError,
	SUBSCRIBED_EVENT_TYPES,
} from "../stripe/index.ts";

export const STRIPE_SETUP_USAGE = `Usage: plumb stripe setup [--create]

Finds the Stripe webhook endpoint whose URL is PLUMB_PUBLIC_URL/webhooks/stripe and shows its API
version and events against the ${SUBSCRIBED_EVENT_TYPES.length} Plumb needs (and ${STRIPE_API_VERSION}).
--create makes it when there is none (an existing one is reported, never duplicated) and prints its
signing secret once. Needs STRIPE_API_KEY (a restricted key needs "Webhook Endpoints: Read", and
"Webhook Endpoints: Write" for --create).
Exit code 0 when the endpoint exists and matches, 1 when it is missing or differs, 2 on usage.`;

/** `argv` is everything after `stripe`. */
export async function stripeCommand(
	config: Config,
	argv: readonly string[],
): Promise<number> {
	let create: boolean;
	try {
		const { positionals, values } = parseArgs({
			args: [...argv],
			allowPositionals: true,
			strict: true,
			options: { create: { type: "boolean" } },
		});
		if (positionals.length !== 1 || positionals[0] !== "setup")
			throw new Error("The only stripe command is: plumb stripe setup");
		create = values.create ?? false;
	} catch (error) {
		process.stderr.write(`${messageOf(error)}\n\n${STRIPE_SETUP_USAGE}\n`);
		return 2;
	}
	const apiKey = config.stripe.apiKey;
	if (apiKey === undefined) {
		process.stderr.write(
			"STRIPE_API_KEY is not set: plumb stripe setup talks to Stripe's API with it (a secret key, or a restricted key with Webhook Endpoints: Write).\n",
		);
		return 2;
	}
	if (!publicUrlIsSet(config)) {
		process.stderr.write(
			"PLUMB_PUBLIC_URL is not set: Stripe must reach Plumb at a public https address. Set it (e.g. https://plumb.example.com) and run this again.\n",
		);
		return 2;
	}
	const scrub = createScrubber(config.secretValues, { maskEmails: false });
	const out = (text: string) => process.stdout.write(scrub(text));
	const api = createStripeApi({ apiKey, apiBase: config.stripe.apiBase });
	const url = plumbWebhookUrl(config.publicUrl);
	try {
		const endpoints = await listWebhookEndpoints(api);
		const found = findEndpoint(endpoints, url);
		if (found) {
			out(
				`Stripe webhook endpoint ${found.id} (${found.status}) sends to ${url}\n`,
			);
			const ok = printComparison(out, compareEndpoint(found));
			if (create) out("--create: it exists already, so nothing was created.\n");
			return ok ? 0 : 1;
		}
		if (!create) {
			out(
				`No Stripe webhook endpoint sends to ${url} (${endpoints.length} other ${endpoints.length === 1 ? "endpoint" : "endpoints"} on the account).\nRun plumb stripe setup --create to create it.\n`,
			);
			return 1;
		}
		const made = await createPlumbEndpoint(api, url, endpoints);
		out(
			`Created Stripe webhook endpoint ${made.id} for ${url}\n  API version ${made.api_version ?? STRIPE_API_VERSION}, ${made.enabled_events.length} events\n`,
		);
		if (made.secret) {
			// The one secret Plumb prints, on purpose: Stripe never shows it again.
			process.stdout.write(
				`\nSigning secret (Stripe shows it only now):\n  ${made.secret}\n\nSet it as STRIPE_WEBHOOK_SECRET in Plumb's environment and restart Plumb. During a rotation, list\nboth secrets comma-separated (STRIPE_WEBHOOK_SECRET=whsec_new,whsec_old) until the old endpoint is gone.\n`,
			);
		} else
			out(
				"Stripe did not return a signing secret (a replayed request): reveal it in Stripe Dashboard › Developers › Webhooks and set STRIPE_WEBHOOK_SECRET.\n",
			);
		return 0;
	} catch (error) {
		process.stderr.write(
			scrub(
				`plumb stripe setup: ${error instanceof StripeApiError ? error.message : messageOf(error)}\nNothing was changed.\n`,
			),
		);
		return 1;
	}
}

/** Prints version and events against Plumb's; true when both match. */
function printComparison(
	out: (text: string) => void,
	comparison: ReturnType<typeof compareEndpoint>,
): boolean {
	out(
		comparison.versionMatches
			? `  ✓ API version ${STRIPE_API_VERSION}\n`
			: `  ✗ API version ${comparison.apiVersion ?? "(the account's default)"}; Plumb reads ${STRIPE_API_VERSION}\n`,
	);
	const wanted = SUBSCRIBED_EVENT_TYPES.length;
	if (comparison.missing.length === 0)
		out(`  ✓ sends all ${wanted} events Plumb needs\n`);
	else
		out(
			`  ✗ missing ${comparison.missing.length} of the ${wanted} events Plumb needs:\n${comparison.missing.map((type) => `      ${type}\n`).join("")}`,
		);
	const ok = comparison.versionMatches && comparison.missing.length === 0;
	if (!ok)
		out(
			"  fix: add the missing events in Stripe Dashboard › Developers › Webhooks › this endpoint; an endpoint's API version cannot be changed, so for another version create a new endpoint (delete this one first, then plumb stripe setup --create).\n",
		);
	return ok;
}

/** PLUMB_PUBLIC_URL defaults to the listen address, which Stripe cannot reach. */
export function publicUrlIsSet(config: Config): boolean {
	return config.publicUrl !== `http://${config.http.host}:${config.http.port}`;
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
