/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real Plumb on
 * loopback with its real workers and a HubSpot stand-in. The founder's minute: log in, find a customer
 * by last name, read the answer on the customer page, see a HubSpot sync die on a 400 with its error,
 * fix HubSpot, replay, see it succeed — at most 3 clicks after login — and log out. Then the money
 * view, the deliveries list at 1280 px (no word broken mid-word) and the phone layout (390 px: the nav
 * on one row, cards in full rows, chart labels readable). Screenshots go to test-artifacts/.
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
/**
 * Runs in the page (as text: the tests compile without the DOM types): every word of the lists'
 * cells whose characters sit on more than one line, i.e. a word broken mid-word.
 */
const SPLIT_WORDS = `(() => {
	const split = [];
	for (const cell of document.querySelectorAll("table.list td")) {
		const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
		for (let node = walker.nextNode(); node; node = walker.nextNode()) {
			const re = /\\S+/g;
			for (let m = re.exec(node.data); m; m = re.exec(node.data)) {
				const range = document.createRange();
				range.setStart(node, m.index);
				range.setEnd(node, m.index + m[0].length);
				const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
				if (lines.size > 1) split.push(m[0]);
			}
		}
	}
	return split;
})()`;
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
	/** Stripe's clock for an event sent now: the money view counts today's payments. */
	const now = () => Math.floor(Date.now() / 1000);
	const login = async (page: Page) => {
		await page.goto(`${server.url}/admin`);
		expect(new URL(page.url()).pathname).toBe("/admin/login");
		await page.fill("#token", TEST_ADMIN_TOKEN);
		await page.click("button[type=submit]");
		await page.waitForURL(`${server.url}/admin`);
	};

	it("the founder's minute: logs in, finds a customer by last name, replays a dead HubSpot sync after the fix in at most 3 clicks, and logs out", async () => {
		await post({
			...stripeEvent(
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
			created: now(),
		});
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
		await login(page);
		expect(await text(page, "h1")).toBe("Overview");
		// Every click from here on is counted: the founder's minute takes at most 3.
		let clicks = 0;
		const click = async (target: { click(): Promise<void> }) => {
			clicks++;
			await target.click();
		};
		await page.screenshot({
			path: `${ARTIFACTS}dashboard-overview.png`,
			fullPage: true,
		});

		// Search by last name: the only match opens the customer page.
		await page.fill("input[name=q]", "lovelace");
		await click(page.locator("form[action='/admin/customers'] button"));
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
		await post({
			...stripeEvent(
				"customer.subscription.updated",
				objects.subscription("active", "price_pro"),
				10,
			),
			created: now() + 1,
		});
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
		await click(card.locator("button", { hasText: "Replay" }));
		await page.waitForURL(/notice=replayed/);
		expect(await text(page, "p.notice")).toContain("Requeued");
		// The page refreshes itself while the sync is on its way (progressive enhancement).
		await page
			.locator("p.headline", { hasText: "CRM synced" })
			.waitFor({ timeout: 20_000 });
		expect(await text(page, "[data-destination=hubspot] .badge")).toBe("ok");
		expect(await hubspotStatuses()).toEqual(["succeeded", "succeeded"]);
		expect(clicks).toBeLessThanOrEqual(3);
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

	it("shows the money view, a deliveries list with no word broken at 1280 px, and a phone layout whose nav fits one row", async () => {
		// A second customer whose renewal failed today: a failed payment, and a billing ticket and a
		// Slack alert that are skipped (Zendesk and Slack are not configured here).
		await post({
			...stripeEvent(
				"invoice.payment_failed",
				{
					...objects.invoiceFailed(3, 1),
					customer: "cus_2",
					customer_email: "grace@example.com",
				},
				20,
			),
			created: now() + 2,
		});
		await waitFor(
			async () =>
				(
					await testDb.db.query(
						"select 1 from plumb.payment_failures where attempt_ref like 'in_3%'",
					)
				).length > 0,
			15_000,
		);

		const context = await browser.newContext({
			viewport: { width: 1280, height: 900 },
		});
		const page = await context.newPage();
		page.on("pageerror", (error) => problems.push(error.message));
		await login(page);

		// The overview: eight cards in two full rows, the money card among them.
		const rowsOfCards = () =>
			page.$$eval(".cards .card", (cards) => {
				const rows = new Map<number, number>();
				for (const card of cards) {
					const top = Math.round(card.getBoundingClientRect().top);
					rows.set(top, (rows.get(top) ?? 0) + 1);
				}
				return [...rows.values()];
			});
		expect(await rowsOfCards()).toEqual([4, 4]);

		await page.click("nav a[href='/admin/money']");
		expect(await text(page, "h1")).toBe("Money");
		expect(await text(page, "td[data-window=today]")).toBe("1 · 20.00 USD");
		const failed = page.locator("tr", { hasText: "Failed payment attempts" });
		expect(await failed.locator("td[data-window=today]").textContent()).toBe(
			"1",
		);
		expect(
			await page.locator("svg.chart").getAttribute("aria-label"),
		).toContain("1 succeeded");
		await page.screenshot({
			path: `${ARTIFACTS}dashboard-money.png`,
			fullPage: true,
		});

		// Deliveries at 1280 px: each state once, a customer column, and no word split across lines.
		await page.goto(`${server.url}/admin/deliveries`);
		const states = await page.$$eval("td[data-label=state]", (cells) =>
			cells.map((cell) => cell.textContent ?? ""),
		);
		expect(states.length).toBeGreaterThan(2);
		for (const state of states) expect(state).not.toMatch(/(\w+) \1/);
		expect(states).toContainEqual(
			expect.stringMatching(
				/^skipped — Slack is not configured: set SLACK_WEBHOOK_URL$/,
			),
		);
		const broken = await page.evaluate(SPLIT_WORDS);
		expect(broken).toEqual([]);
		expect(await page.locator("th", { hasText: "customer" }).count()).toBe(1);
		expect(
			await page.locator("td[data-label=customer] a").allTextContents(),
		).toContain("Ada Lovelace");
		await page.screenshot({
			path: `${ARTIFACTS}dashboard-deliveries.png`,
			fullPage: true,
		});

		// A phone: the nav on one row, the cards in full rows, chart labels big enough to read.
		await page.setViewportSize({ width: 390, height: 844 });
		await page.goto(`${server.url}/admin`);
		await page.screenshot({
			path: `${ARTIFACTS}dashboard-overview-phone.png`,
			fullPage: true,
		});
		const nav = await page.$eval("header nav", (el) => ({
			scroll: el.scrollWidth,
			client: el.clientWidth,
			tops: [...el.querySelectorAll("a")].map((a) =>
				Math.round(a.getBoundingClientRect().top),
			),
			fits: el.scrollWidth <= el.clientWidth,
			right: el.getBoundingClientRect().right,
		}));
		expect(new Set(nav.tops).size).toBe(1);
		expect(nav.fits, JSON.stringify(nav)).toBe(true);
		expect(nav.right).toBeLessThanOrEqual(390);
		expect(await rowsOfCards()).toEqual([2, 2, 2, 2]);
		const labelHeights = await page.$$eval("svg.chart text", (labels) =>
			labels.map((label) => label.getBoundingClientRect().height),
		);
		expect(Math.min(...labelHeights)).toBeGreaterThanOrEqual(10);
		expect(
			await page.evaluate(
				"document.documentElement.scrollWidth <= window.innerWidth",
			),
		).toBe(true);
		await page.goto(`${server.url}/admin/money`);
		await page.screenshot({
			path: `${ARTIFACTS}dashboard-money-phone.png`,
			fullPage: true,
		});
		await context.close();
		expect(problems).toEqual([]);
	}, 90_000);
});
