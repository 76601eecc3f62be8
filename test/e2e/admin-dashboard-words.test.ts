/**
 * The dashboard's words agree everywhere (issue 16, "What was seen" 6 and 8): a subscription reads the
 * status the customer's plan status is derived from, an unsent ticket never reads "being created", a
 * skipped delivery reads as skipped once and not as an error, and the deliveries list replays every
 * dead or skipped delivery of a destination after a confirmation (recording nothing when there is
 * nothing to replay). Also the money view's page.
 */
import { describe, expect, it } from "vitest";
import { type Backend, backends } from "../support/db.ts";
import { seedOne } from "../support/delivery-worker.ts";
import { insertCustomerRow, insertRow } from "../support/rows.ts";
import {
	bearer,
	formPost,
	paidCustomer,
	useDashboard,
} from "./admin-fixtures.ts";

describe.each(backends)("dashboard words on %s", (backend: Backend) => {
	const d = useDashboard(backend);
	const page = (path: string) => d.page(path);
	/** A delivery the worker skipped: a Zendesk ticket unless told otherwise. */
	const skipped = async (
		key: string,
		options: { customerId?: string; eventId?: string; slack?: boolean } = {},
	) => {
		const id = await seedOne(d.testDb.db, {
			destination: options.slack ? "slack" : "zendesk",
			action: options.slack ? "notify" : "create_ticket",
			key,
			customerId: options.customerId ?? null,
			eventId: options.eventId ?? null,
		});
		await d.testDb.db.query(
			"update plumb.deliveries set status = 'skipped', last_error = $2 where id = $1",
			[id, `${options.slack ? "Slack" : "Zendesk"} is not configured`],
		);
		return id;
	};

	it("a subscription reads its derived status, and an open ticket Zendesk skipped reads as not sent", async () => {
		const ada = await paidCustomer(d.testDb, { name: "Ada Lovelace" });
		const now = Date.now();
		// Stripe said active; a newer invoice failed: Plumb derives past_due for the customer.
		await insertRow(d.testDb.db, "plumb.subscriptions", {
			provider_ref: "sub_1",
			customer_id: ada.id,
			status: "active",
			status_as_of: new Date(now - 60_000),
			plan: "pro",
			last_failed_at: new Date(now - 1_000),
		});
		await d.testDb.db.query(
			"update plumb.customers set plan_status = 'past_due' where id = $1",
			[ada.id],
		);
		await insertRow(d.testDb.db, "plumb.tickets", {
			customer_id: ada.id,
			issue_key: "billing:x",
			category: "billing",
			priority: "high",
			subject: "Payment failed",
			opened_at: new Date(),
		});
		const ticket = await skipped("t1", { customerId: ada.id });

		const res = await d.app.request(`/admin/api/customers/${ada.id}`, {
			headers: bearer,
		});
		const view = (await res.json()) as {
			headline: string;
			customer: { plan_status: string };
			business: {
				subscriptions: Array<{ status: string; effective_status: string }>;
			};
		};
		expect(view.customer.plan_status).toBe("past_due");
		expect(view.business.subscriptions).toMatchObject([
			{ status: "active", effective_status: "past_due" },
		]);
		expect(view.headline).toContain("ticket not sent (Zendesk skipped)");
		expect(view.headline).not.toContain("being created");

		const { html } = await page(`/admin/customers/${ada.id}`);
		expect(html).toContain(
			'sub_1: past_due, pro<span class="muted"> (Stripe last said active; a newer failed payment changed it)',
		);
		// Replay for the skipped ticket, right on the customer page.
		const card = html.slice(html.indexOf('data-destination="zendesk"'));
		expect(card.slice(0, card.indexOf("</div></div>"))).toContain(
			`action="/admin/deliveries/${ticket}/replay"`,
		);
		expect(html).toContain("skipped: Zendesk is not configured");
		expect(html).not.toContain("being created");
	});

	it("lists a delivery's state once, its customer, a skip reason that is not an error, and one attempt count", async () => {
		const ada = await paidCustomer(d.testDb, { name: "Ada Lovelace" });
		const ticket = await skipped("t1", {
			customerId: ada.id,
			eventId: ada.eventId,
		});
		const { html } = await page("/admin/deliveries?status=skipped");
		const row = html.slice(html.indexOf(`data-delivery="${ticket}"`));
		const cells = row.slice(row.indexOf(">") + 1, row.indexOf("</tr>"));
		expect(cells).toContain(
			`<a href="/admin/customers/${ada.id}">Ada Lovelace</a>`,
		);
		expect(cells).toContain(
			'class="state muted">skipped — Zendesk is not configured<',
		);
		// The words a person reads (the markup also names the status in attributes).
		expect(cells.replace(/<[^>]*>/g, " ").match(/skipped/g)).toHaveLength(1);
		expect(cells).not.toContain('class="err"');
		expect(html).toContain("<th>customer</th>");
		// The event's page says it the same way.
		const event = await page(`/admin/events/${ada.eventId}`);
		const caused = event.html.slice(event.html.indexOf("Deliveries it caused"));
		const item = caused.slice(0, caused.indexOf("</ul>"));
		expect(item).toContain(
			'Zendesk ticket: <span class="muted">skipped — Zendesk is not configured</span>',
		);
		expect(item.replace(/<[^>]*>/g, " ").match(/skipped/g)).toHaveLength(1);
		expect(item).not.toContain('class="err"');
	});

	it("replays every skipped delivery of a destination after a confirmation showing the count", async () => {
		const ids = [await skipped("z1"), await skipped("z2")];
		const other = await skipped("s1", { slack: true });

		const list = await page(
			"/admin/deliveries?status=skipped&destination=zendesk",
		);
		expect(list.html).toContain(
			'href="/admin/deliveries/replay?status=skipped&amp;destination=zendesk">Replay all 2 skipped deliveries to Zendesk…',
		);
		const confirm = await page(
			"/admin/deliveries/replay?status=skipped&destination=zendesk",
		);
		expect(confirm.html).toContain("Replay 2 skipped deliveries to Zendesk");
		expect(confirm.html).toContain('name="confirm" value="yes" required');
		const done = await formPost(d.app, "/admin/deliveries/replay", d.session, {
			status: "skipped",
			destination: "zendesk",
			reason: "Configured Zendesk",
			confirm: "yes",
		});
		expect(done.headers.get("location")).toBe(
			"/admin/deliveries?status=skipped&destination=zendesk&notice=bulk_replayed&count=2",
		);
		const statuses = await d.testDb.db.query<{ id: string; status: string }>(
			"select id, status from plumb.deliveries order by id",
		);
		expect(
			Object.fromEntries(statuses.map((row) => [row.id, row.status])),
		).toEqual({
			[ids[0] ?? ""]: "pending",
			[ids[1] ?? ""]: "pending",
			[other]: "skipped",
		});
		expect(
			await d.testDb.db.query(
				"select kind, affected, target from plumb.interventions",
			),
		).toEqual([
			{
				kind: "replay_skipped",
				affected: 2,
				target: { status: "skipped", destination: "zendesk" },
			},
		]);
	});

	it("a bulk replay with nothing to replay says so and records no intervention", async () => {
		const list = await page(
			"/admin/deliveries?status=dead&destination=hubspot",
		);
		expect(list.html).not.toContain("Replay all");
		const done = await formPost(d.app, "/admin/deliveries/replay", d.session, {
			status: "dead",
			destination: "hubspot",
			reason: "nothing there",
			confirm: "yes",
		});
		expect(done.headers.get("location")).toBe(
			"/admin/deliveries?status=dead&destination=hubspot&notice=nothing_to_replay&count=0",
		);
		expect(
			await d.testDb.db.query("select kind from plumb.interventions"),
		).toEqual([]);
		// The API too, with a 4xx for a status it cannot replay in bulk.
		const api = await d.app.request("/admin/api/deliveries/replay", {
			method: "POST",
			headers: { ...bearer, "content-type": "application/json" },
			body: JSON.stringify({ status: "succeeded", reason: "x" }),
		});
		expect(api.status).toBe(400);
	});

	it("shows the money view: payments and revenue per currency, failures, refunds, disputes, new customers, a 30-day chart", async () => {
		// Webhook fixtures carry 2025 timestamps: today's money is seeded as rows dated now.
		for (const n of [1, 2]) {
			const customer = await insertCustomerRow(d.testDb.db, {
				email: `c${n}@example.com`,
			});
			await insertRow(d.testDb.db, "plumb.payments", {
				customer_id: customer.id,
				status: "succeeded",
				amount: 2000,
				currency: "usd",
				first_seen_at: new Date(),
				status_as_of: new Date(),
			});
		}
		const { status, html } = await page("/admin/money");
		expect(status).toBe(200);
		expect(html).toContain(
			'<a href="/admin/money" aria-current="page">Money</a>',
		);
		expect(html).toMatch(
			/<th scope="row">Payments<\/th><td data-label="Today" data-window="today">2 · 40.00 USD<\/td>/,
		);
		expect(html).toMatch(
			/<th scope="row">New customers<\/th><td data-label="Today" data-window="today" class="">2<\/td>/,
		);
		expect(html).toMatch(
			/aria-label="Payments per day by status: 2 succeeded, 0 refunded, 0 dispute_won, 0 disputed, 0 dispute_lost, 0 failed"/,
		);
		const overview = await page("/admin");
		expect(overview.html).toMatch(
			/<span class="n ok">2<\/span><span class="l"><a href="\/admin\/money">payments today/,
		);
		expect((await page("/admin/money?x=1")).status).toBe(400);
		const api = await d.app.request("/admin/api/money", { headers: bearer });
		expect(api.status).toBe(200);
		const body = (await api.json()) as {
			byCurrency: Array<{ window: string; currency: string; paid: string }>;
		};
		expect(body.byCurrency).toContainEqual(
			expect.objectContaining({
				window: "today",
				currency: "USD",
				paid: "4000",
			}),
		);
	});
});
