/**
 * `plumb stripe setup` and doctor's Stripe API checks as real child processes, against the loopback
 * Stripe API stand-in: the official SDK inside Plumb, pointed at it through STRIPE_API_BASE.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	STRIPE_API_VERSION,
	SUBSCRIBED_EVENT_TYPES,
} from "../../src/stripe/index.ts";
import { runPlumb } from "../support/child.ts";
import { stripeExample } from "../support/stripe-api/fixtures.ts";
import {
	type StripeApiStandIn,
	startStripeApi,
} from "../support/stripe-api/server.ts";

const SECRET = "sk_test_setup_secret_5c1e9a7b3d";
const READ_ONLY = "rk_test_setup_readonly_4d8e2a6f90";
const NO_CUSTOMERS = "rk_test_setup_nocust_7f3a9c2e1b";
const PUBLIC_URL = "https://plumb.example.com";
const WEBHOOK_URL = `${PUBLIC_URL}/webhooks/stripe`;

describe("plumb stripe setup against the Stripe API stand-in", () => {
	let stripe: StripeApiStandIn;
	let dataDir: string;

	beforeEach(async () => {
		dataDir = mkdtempSync(join(tmpdir(), "plumb-stripe-setup-"));
		stripe = await startStripeApi({
			[SECRET]: "all",
			[READ_ONLY]: [
				"event_read",
				"customer_read",
				"subscription_read",
				"invoice_read",
				"webhook_read",
			],
			[NO_CUSTOMERS]: [
				"event_read",
				"subscription_read",
				"invoice_read",
				"webhook_read",
			],
		});
	});
	afterEach(async () => {
		await stripe.close();
		rmSync(dataDir, { recursive: true, force: true });
	});

	async function run(
		args: string[],
		env: Record<string, string> = {},
	): Promise<{ code: number | null; out: string }> {
		const child = runPlumb(args, {
			STRIPE_API_KEY: SECRET,
			STRIPE_API_BASE: stripe.url,
			PLUMB_PUBLIC_URL: PUBLIC_URL,
			PLUMB_DATA_DIR: dataDir,
			LOG_LEVEL: "warn",
			...env,
		});
		const code = await child.exited;
		return { code, out: child.output() };
	}
	const posts = () => stripe.requests.filter((r) => r.method === "POST");

	it("reports a missing endpoint without creating it; --create makes exactly one, with Plumb's events and version, and prints its secret once", async () => {
		const missing = await run(["stripe", "setup"]);
		expect(missing.code).toBe(1);
		expect(missing.out).toContain(
			`No Stripe webhook endpoint sends to ${WEBHOOK_URL}`,
		);
		expect(posts()).toHaveLength(0);

		const created = await run(["stripe", "setup", "--create"]);
		expect(created.code, created.out).toBe(0);
		const endpoints = stripe.objects("webhook_endpoints");
		expect(endpoints).toHaveLength(1);
		const endpoint = endpoints[0] as Record<string, unknown>;
		expect(endpoint.url).toBe(WEBHOOK_URL);
		expect(endpoint.api_version).toBe(STRIPE_API_VERSION);
		expect(endpoint.enabled_events).toEqual([...SUBSCRIBED_EVENT_TYPES]);
		const secret = /whsec_[0-9a-f]+/.exec(created.out)?.[0];
		expect(secret).toBeDefined();
		expect(created.out).toContain("STRIPE_WEBHOOK_SECRET");
		expect(posts()[0]?.headers["idempotency-key"]).toMatch(/^plumb-setup-/);

		const again = await run(["stripe", "setup", "--create"]);
		expect(again.code).toBe(0);
		expect(again.out).toContain("exists already");
		expect(again.out).toContain(`✓ API version ${STRIPE_API_VERSION}`);
		expect(again.out).toContain(
			`✓ sends all ${SUBSCRIBED_EVENT_TYPES.length} events`,
		);
		expect(again.out).not.toContain("whsec_");
		expect(stripe.objects("webhook_endpoints")).toHaveLength(1);
		expect(posts()).toHaveLength(1);
	});

	it("two --create runs at once make one endpoint (same Idempotency-Key)", async () => {
		const [a, b] = await Promise.all([
			run(["stripe", "setup", "--create"]),
			run(["stripe", "setup", "--create"]),
		]);
		expect([a.code, b.code]).toEqual([0, 0]);
		expect(stripe.objects("webhook_endpoints")).toHaveLength(1);
	});

	it("shows an existing endpoint's missing events and older version, exit 1, and changes nothing", async () => {
		stripe.seed("webhook_endpoints", [
			{
				...stripeExample("webhook_endpoint"),
				url: WEBHOOK_URL,
				api_version: "2024-06-20",
				enabled_events: ["invoice.paid", "customer.subscription.updated"],
			},
		]);
		const shown = await run(["stripe", "setup", "--create"]);
		expect(shown.code).toBe(1);
		expect(shown.out).toContain("✗ API version 2024-06-20");
		expect(shown.out).toContain(
			`missing ${SUBSCRIBED_EVENT_TYPES.length - 2} of the ${SUBSCRIBED_EVENT_TYPES.length} events`,
		);
		expect(shown.out).toContain("charge.dispute.closed");
		expect(posts()).toHaveLength(0);
	});

	it("a restricted key without Webhook Endpoints: Write makes --create name that permission, never print the key, and create nothing", async () => {
		const refused = await run(["stripe", "setup", "--create"], {
			STRIPE_API_KEY: READ_ONLY,
		});
		expect(refused.code).toBe(1);
		expect(refused.out).toContain('"Webhook Endpoints: Write"');
		expect(refused.out).toContain("Nothing was changed");
		expect(refused.out).not.toContain(READ_ONLY.slice(-6));
		expect(stripe.objects("webhook_endpoints")).toHaveLength(0);
	});

	it("an unknown key is a clear 401 without the key; no STRIPE_API_KEY is a usage error", async () => {
		const bad = "sk_test_nobodyknowsthiskey123";
		const refused = await run(["stripe", "setup"], { STRIPE_API_KEY: bad });
		expect(refused.code).toBe(1);
		expect(refused.out).toContain("Stripe refused STRIPE_API_KEY (401)");
		expect(refused.out).not.toContain(bad.slice(-6));
		const unset = await run(["stripe", "setup"], { STRIPE_API_KEY: "" });
		expect(unset.code).toBe(2);
		expect(unset.out).toContain("STRIPE_API_KEY is not set");
	});

	it("plumb doctor names a restricted key's missing permission and warns about the endpoint's missing events and version", async () => {
		stripe.seed("webhook_endpoints", [
			{
				...stripeExample("webhook_endpoint"),
				url: WEBHOOK_URL,
				api_version: "2024-06-20",
				enabled_events: [...SUBSCRIBED_EVENT_TYPES].slice(1),
			},
		]);
		const doctor = await run(["doctor"], { STRIPE_API_KEY: NO_CUSTOMERS });
		expect(doctor.out).toContain(
			'✗ Stripe API: STRIPE_API_KEY lacks "Customers: Read"',
		);
		expect(doctor.out).toMatch(
			/! Stripe webhook: we_\w+ does not send 1 events Plumb needs \(checkout\.session\.completed\); uses API version 2024-06-20/,
		);
		expect(doctor.out).not.toContain(NO_CUSTOMERS.slice(-6));

		const good = await run(["doctor"], { STRIPE_API_KEY: READ_ONLY });
		expect(good.out).toContain(
			"✓ Stripe API: STRIPE_API_KEY reads events, customers, subscriptions and invoices",
		);
	});
});
