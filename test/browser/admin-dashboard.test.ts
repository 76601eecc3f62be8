/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real Plumb on
 * loopback with its real workers and a HubSpot stand-in: log in, find a customer by e-mail, see them
 * paid and synced, see a HubSpot sync die on a 400 with its error, fix HubSpot, replay, see it succeed,
 * log out. Screenshots go to test-artifacts/.
 */
import { existsSync, mkdirSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkers } from "../../src/cli/worker.ts";
import { TEST_ADMIN_TOKEN } from "../support/app.ts";
import { waitFor } from "../support/child.ts";
import { backends, freshDb, type TestDb } from "../support/db.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { objects, stripeEvent } from "../support/state.ts";
import { stripeRequest } from "../support/stripe.ts";
import { startHubSpotStandIn } from "../support/vendor-stand-ins.ts";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;
const CHROMIUM = "/usr/bin/chromium";
const HUBSPOT_TOKEN = "pat-na1-browser-0000-1111-2222";
const EMAIL = "ada@example.com";
/** Prefer the real PostgreSQL when the run has one; PGlite otherwise. */
const backend = backends.includes("pg") ? "pg" : "pglite";

describe(`the dashboard in Chromium (${backend})`, () => {
	let testDb: TestDb;
	let hubspot: Awaited<ReturnType<typeof startHubSpotStandIn>>;
	let server: TestServer;
	let workers: Awaited<ReturnType<typeof startWorkers>>;
	let browser: Browser;
	const problems: string[] = [];

	beforeAll(async () => {
		if (!existsSync(CHROMIUM))
			throw new Error(
				`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does it in CI.`,
			);
		mkdirSync(ARTIFACTS, { recursive: true });
		testDb = await freshDb(backend);
		hubspot = await startHubSpotStandIn({ token: HUBSPOT_TOKEN });
		server = await startTestServer(testDb.db, {
			HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
			HUBSPOT_BASE_URL: hubspot.url,
			// Short backoffs, so three refusals make a dead letter in well under a second.
			PLUMB_DELIVERY_BACKOFF_BASE: "50ms",
			PLUMB_DELIVERY_BACKOFF_MAX: "200ms",
			PLUMB_DELIVERY_POLL_INTERVAL: "200ms",
			LOG_LEVEL: "warn",
			...(testDb.url ? { DATABASE_URL: testDb.url } : {}),
		});
		workers = await startWorkers(server.runtime);
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: [
				"--no-sandbox",
				"--disable-gpu",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
				"--no-first-run",
			],
		});
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
		await workers?.stop();
		await server?.stop(1_000);
		await hubspot?.close();
		await testDb?.dispose();
	});

	const post = async (envelope: ReturnType<typeof stripeEvent>) => {
		const res = await fetch(
			`${server.url}/webhooks/stripe`,
			stripeRequest(JSON.stringify({ object: "event", ...envelope })),
		);
		expect(res.status).toBe(200);
	};
	const hubspotStatuses = async () =>
		(
			await testDb.db.query<{ status: string }>(
				"select status from plumb.deliveries where destination = 'hubspot' order by id",
			)
		).map((row) => row.status);
	const text = async (page: Page, selector: string) =>
		((await page.locator(selector).first().textContent()) ?? "").trim();

	it("logs in, finds a paid and synced customer, replays a dead HubSpot sync after the fix, and logs out", async () => {
		await post(
			stripeEvent(
				"checkout.session.completed",
				{
					id: "cs_1",
					object: "checkout.session",
					customer: "cus_1",
					customer_details: { email: EMAIL, name: "Ada Lovelace" },
					client_reference_id: "user-1",
					payment_status: "paid",
					mode: "payment",
					payment_intent: "pi_1",
					amount_total: 2000,
					currency: "usd",
				},
				5,
			),
		);
		await waitFor(
			async () => (await hubspotStatuses()).join() === "succeeded",
			15_000,
		);

		const context = await browser.newContext({
			viewport: { width: 1280, height: 900 },
		});
		const page = await context.newPage();
		page.on("console", (message) => {
			if (message.type() === "error") problems.push(message.text());
		});
		page.on("pageerror", (error) => problems.push(error.message));

		// Not logged in: the dashboard sends us to the login form.
		await page.goto(`${server.url}/admin`);
		expect(new URL(page.url()).pathname).toBe("/admin/login");
		await page.fill("#token", TEST_ADMIN_TOKEN);
		await page.click("button[type=submit]");
		await page.waitForURL(`${server.url}/admin`);
		expect(await text(page, "h1")).toBe("Overview");
		await page.screenshot({
			path: `${ARTIFACTS}dashboard-overview.png`,
			fullPage: true,
		});

		// Search by e-mail: the only match opens the customer page.
		await page.fill("input[name=q]", EMAIL.toUpperCase());
		await page.click("form[action='/admin/customers'] button");
		await page.waitForURL(/\/admin\/customers\/[0-9a-f-]{36}$/);
		expect(await text(page, "h1")).toBe("Ada Lovelace");
		expect(await text(page, "p.headline")).toMatch(
			/^paid — CRM synced (just now|\d+ s ago)$/,
		);
		expect(await text(page, "[data-destination=hubspot]")).toMatch(
			/synced .* — contact 1001/,
		);

		// HubSpot starts refusing the upsert (a property Plumb sends is invalid): the next sync dies after 3 tries.
		hubspot.fail(
			{
				kind: "status",
				status: 400,
				body: {
					status: "error",
					category: "VALIDATION_ERROR",
					message: "Property values were not valid: Property X invalid",
				},
			},
			{ when: (req) => req.path === "/crm/v3/objects/contacts/batch/upsert" },
		);
		await post(
			stripeEvent(
				"customer.subscription.updated",
				objects.subscription("active", "price_pro"),
				10,
			),
		);
		await waitFor(
			async () => (await hubspotStatuses()).includes("dead"),
			15_000,
		);
		await page.reload();
		const card = page.locator("[data-destination=hubspot]");
		expect(await card.locator(".badge").first().textContent()).toBe("dead");
		expect(await card.textContent()).toMatch(
			/HubSpot refused the request \(400\).*Property X invalid/,
		);
		await page.screenshot({
			path: `${ARTIFACTS}dashboard-customer-dead.png`,
			fullPage: true,
		});

		// Fix HubSpot, then one click (with the reason the audit log keeps).
		hubspot.heal();
		await card
			.locator("input[name=reason]")
			.fill("Fixed property X in HubSpot");
		await card.locator("button", { hasText: "Replay" }).click();
		await page.waitForURL(/notice=replayed/);
		expect(await text(page, "p.notice")).toContain("Requeued");
		// The page refreshes itself while the sync is on its way (progressive enhancement).
		await page
			.locator("p.headline", { hasText: "CRM synced" })
			.waitFor({ timeout: 20_000 });
		expect(await text(page, "[data-destination=hubspot] .badge")).toBe("ok");
		expect(await hubspotStatuses()).toEqual(["succeeded", "succeeded"]);
		await page.screenshot({
			path: `${ARTIFACTS}dashboard-customer.png`,
			fullPage: true,
		});

		// Phone-sized: the same page stacks into one column.
		await page.setViewportSize({ width: 390, height: 844 });
		await page.screenshot({
			path: `${ARTIFACTS}dashboard-customer-phone.png`,
			fullPage: true,
		});
		await page.setViewportSize({ width: 1280, height: 900 });

		await page.click("header form button");
		await page.waitForURL(/\/admin\/login\?notice=logged_out/);
		expect(await text(page, "p.notice")).toBe("You are logged out.");
		await page.goto(`${server.url}/admin/alerts`);
		expect(new URL(page.url()).pathname).toBe("/admin/login");
		await context.close();
		// No CSP violation, no script error, on any page.
		expect(problems).toEqual([]);
	}, 90_000);
});
