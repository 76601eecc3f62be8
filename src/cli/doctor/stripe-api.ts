/**
 * `plumb doctor`'s Stripe API checks (with STRIPE_API_KEY): the key reads what reconcile and backfill
 * need (naming any permission a restricted key lacks), and the webhook endpoint at
 * PLUMB_PUBLIC_URL/webhooks/stripe sends every event Plumb needs in the API version it reads.
 */
import type { Config } from "../../config/index.ts";
import {
	compareEndpoint,
	createStripeApi,
	findEndpoint,
	listWebhookEndpoints,
	plumbWebhookUrl,
	STRIPE_API_VERSION,
	STRIPE_PERMISSIONS,
	type StripeApi,
	StripeApiError,
	type StripePermission,
} from "../../stripe/index.ts";
import { publicUrlIsSet } from "../stripe-setup.ts";
import type { Check } from "./check.ts";

const READS: ReadonlyArray<{
	what: string;
	need: StripePermission;
	probe: (api: StripeApi) => Promise<unknown>;
}> = [
	{
		what: "list events",
		need: "eventsRead",
		probe: (api) =>
			api.call("list events", "eventsRead", (sdk) =>
				sdk.events.list({ limit: 1 }),
			),
	},
	{
		what: "list customers",
		need: "customersRead",
		probe: (api) =>
			api.call("list customers", "customersRead", (sdk) =>
				sdk.customers.list({ limit: 1 }),
			),
	},
	{
		what: "list subscriptions",
		need: "subscriptionsRead",
		probe: (api) =>
			api.call("list subscriptions", "subscriptionsRead", (sdk) =>
				sdk.subscriptions.list({ limit: 1 }),
			),
	},
	{
		what: "list invoices",
		need: "invoicesRead",
		probe: (api) =>
			api.call("list invoices", "invoicesRead", (sdk) =>
				sdk.invoices.list({ limit: 1 }),
			),
	},
];

export async function stripeApiChecks(config: Config): Promise<Check[]> {
	const apiKey = config.stripe.apiKey;
	if (apiKey === undefined)
		return [
			{
				status: "skip",
				title:
					"Stripe API: STRIPE_API_KEY is not set (no reconcile of missed webhooks, no backfill, no plumb stripe setup)",
			},
		];
	const api = createStripeApi(
		{ apiKey, apiBase: config.stripe.apiBase },
		{ timeoutMs: 10_000, maxAttempts: 2 },
	);
	const failures = (
		await Promise.all(
			READS.map((read) =>
				read.probe(api).then(
					() => undefined,
					(error: unknown) => error,
				),
			),
		)
	).filter((error) => error !== undefined);
	const auth = failures.find(
		(error) => error instanceof StripeApiError && error.kind !== "permission",
	);
	if (auth !== undefined)
		return [
			{
				status: "fail",
				title: `Stripe API: ${messageOf(auth)}`,
				fix: "Check STRIPE_API_KEY (and STRIPE_API_BASE if set).",
			},
		];
	const missing = failures
		.map((error) => (error as StripeApiError).permission)
		.filter((need): need is StripePermission => need !== undefined);
	const checks: Check[] = [
		missing.length === 0
			? {
					status: "pass",
					title:
						"Stripe API: STRIPE_API_KEY reads events, customers, subscriptions and invoices",
				}
			: {
					status: "fail",
					title: `Stripe API: STRIPE_API_KEY lacks ${missing.map((need) => `"${STRIPE_PERMISSIONS[need]}"`).join(", ")} (reconcile and backfill need them)`,
					fix: "Edit the restricted key in Stripe Dashboard › Developers › API keys and grant those permissions.",
				},
	];
	checks.push(
		publicUrlIsSet(config)
			? await endpointCheck(api, config)
			: {
					status: "skip",
					title:
						"Stripe webhook: PLUMB_PUBLIC_URL is not set, so Plumb cannot tell which endpoint is its own",
				},
	);
	return checks;
}

async function endpointCheck(api: StripeApi, config: Config): Promise<Check> {
	const url = plumbWebhookUrl(config.publicUrl);
	try {
		const endpoint = findEndpoint(await listWebhookEndpoints(api), url);
		if (endpoint === undefined)
			return {
				status: "fail",
				title: `Stripe webhook: no endpoint on the account sends to ${url}`,
				fix: "Run plumb stripe setup --create.",
			};
		const comparison = compareEndpoint(endpoint);
		const problems = [
			comparison.missing.length > 0
				? `does not send ${comparison.missing.length} events Plumb needs (${comparison.missing.join(", ")})`
				: "",
			comparison.versionMatches
				? ""
				: `uses API version ${comparison.apiVersion ?? "(the account's default)"}, not ${STRIPE_API_VERSION}`,
			endpoint.status === "enabled" ? "" : `is ${endpoint.status}`,
		].filter(Boolean);
		return problems.length === 0
			? {
					status: "pass",
					title: `Stripe webhook: ${endpoint.id} sends every event Plumb needs, API version ${STRIPE_API_VERSION}`,
				}
			: {
					status: "warn",
					title: `Stripe webhook: ${endpoint.id} ${problems.join("; ")}`,
					fix: "Run plumb stripe setup to see the differences and how to fix them.",
				};
	} catch (error) {
		return {
			status: "warn",
			title: `Stripe webhook: cannot check the endpoint: ${messageOf(error)}`,
			fix: 'Grant the key "Webhook Endpoints: Read", or check the endpoint with plumb stripe setup using a key that has it.',
		};
	}
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
