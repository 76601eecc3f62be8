/**
 * The dashboard's pages over HTTP: what support reads (business and integration state side by side,
 * waiting shown as normal), the one-click fixes (replay, bulk replay, acknowledge), and customer text
 * rendered inert.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testApp } from "../support/app.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { seedOne } from "../support/delivery-worker.ts";
import {
	formPost,
	login,
	paidCustomer,
	type Session,
	settle,
} from "./admin-fixtures.ts";

describe.each(backends)("dashboard pages on %s", (backend: Backend) => {
	let testDb: TestDb;
	let app: ReturnType<typeof testApp>["app"];
	let session: Session;
	beforeEach(async () => {
		testDb = await freshDb(backend);
		app = testApp(testDb.db).app;
		session = await login(app);
	});
	afterEach(async () => {
		await testDb.dispose();
	});
	const page = async (path: string) => {
		const res = await app.request(path, {
			headers: { cookie: session.cookie },
		});
		return {
			status: res.status,
			html: await res.text(),
			location: res.headers.get("location"),
		};
	};

	it("puts business state beside integration state, and reads waiting as normal", async () => {
		const ada = await paidCustomer(testDb);
		await settle(testDb, ada.syncId, { status: "succeeded", ref: "1001" });
		await testDb.db.query(
			`insert into plumb.tickets (customer_id, issue_key, category, priority, subject, opened_at, external_ref)
			 values ($1, 'support:x:bug', 'bug', 'normal', 'Export broken', now(), '123')`,
			[ada.id],
		);
		const slack = await seedOne(testDb.db, {
			destination: "slack",
			action: "notify",
			key: "s1",
			customerId: ada.id,
		});
		await settle(testDb, slack, { status: "succeeded", ref: "ts-1" });
		const email = await seedOne(testDb.db, {
			destination: "email",
			action: "notify",
			key: "e1",
			customerId: ada.id,
		});
		await settle(testDb, email, {
			status: "retry_pending",
			error: "SMTP answered 451",
			inSeconds: 40,
		});

		const { html } = await page(`/admin/customers/${ada.id}`);
		expect(html).toMatch(
			/<p class="headline">paid — CRM synced (just now|\d+ s ago) — ticket #123 open — Slack sent<\/p>/,
		);
		expect(html).toContain("Business state");
		expect(html).toContain("Integration state");
		expect(html).toMatch(
			/data-destination="hubspot"><h3>HubSpot <span class="badge ok">ok<\/span>/,
		);
		expect(html).toMatch(/synced (just now|\d+ s ago) — contact 1001/);
		// Waiting is blue and calm, with when it tries again; nothing reads as broken.
		expect(html).toMatch(
			/<div class="integration wait" data-destination="email">/,
		);
		expect(html).toMatch(/notification: queued — retrying in (39|40|41) s/);
		expect(html).not.toContain("badge bad");
		expect(html).toContain('data-refresh="3"');
		expect(html).toMatch(
			/HubSpot CRM sync, attempt 1: succeeded — contact 1001/,
		);
	});

	it("replays a dead HubSpot delivery from the customer page, audited with the reason", async () => {
		const ada = await paidCustomer(testDb);
		await settle(testDb, ada.syncId, {
			status: "dead",
			error: "HubSpot refused the request (400): Property X invalid",
			httpStatus: 400,
		});
		const before = await page(`/admin/customers/${ada.id}`);
		expect(before.html).toMatch(
			/<p class="headline">paid — CRM sync dead<\/p>/,
		);
		expect(before.html).toContain(
			"dead: HubSpot refused the request (400): Property X invalid",
		);
		expect(before.html).toContain(
			`action="/admin/deliveries/${ada.syncId}/replay"`,
		);

		const res = await formPost(
			app,
			`/admin/deliveries/${ada.syncId}/replay`,
			session,
			{
				reason: "Created property X in HubSpot",
				return_to: `/admin/customers/${ada.id}`,
			},
		);
		expect(res.headers.get("location")).toBe(
			`/admin/customers/${ada.id}?notice=replayed`,
		);
		const after = await page(`/admin/customers/${ada.id}?notice=replayed`);
		expect(after.html).toContain(
			"Requeued: it runs again now, with a fresh retry budget.",
		);
		expect(after.html).toMatch(/paid — CRM sync queued/);
		const [audit] = await testDb.db.query<{ actor: string; reason: string }>(
			"select actor, reason from plumb.interventions",
		);
		expect(audit?.reason).toBe("Created property X in HubSpot");
		expect(audit?.actor).toMatch(
			/^dashboard \(session [0-9a-f]{8}, request .+\)$/,
		);
		// A reason is required; a second replay finds it already queued.
		expect(
			(
				await formPost(app, `/admin/deliveries/${ada.syncId}/replay`, session, {
					reason: "",
				})
			).status,
		).toBe(400);
		const again = await formPost(
			app,
			`/admin/deliveries/${ada.syncId}/replay`,
			session,
			{ reason: "again" },
		);
		expect(again.headers.get("location")).toBe(
			"/admin/deliveries?notice=already_queued",
		);
	});

	it("replays every dead delivery of a destination only after the confirmation, and acknowledges alerts", async () => {
		const ids = await Promise.all(
			[1, 2, 3].map((n) =>
				seedOne(testDb.db, {
					destination: "zendesk",
					action: "create_ticket",
					key: `z${n}`,
				}),
			),
		);
		for (const id of ids)
			await settle(testDb, id, {
				status: "dead",
				error: "Zendesk refused (422)",
				httpStatus: 422,
			});
		const list = await page(
			"/admin/deliveries?status=dead&destination=zendesk",
		);
		expect(list.html.match(/data-delivery=/g)).toHaveLength(3);
		expect(list.html).toContain(
			'href="/admin/deliveries/replay?status=dead&amp;destination=zendesk">Replay all 3 dead deliveries to Zendesk…',
		);
		const confirm = await page("/admin/deliveries/replay?destination=zendesk");
		expect(confirm.html).toContain("Replay 3 dead deliveries to Zendesk");
		expect(
			(
				await formPost(app, "/admin/deliveries/replay", session, {
					destination: "zendesk",
					reason: "Zendesk is back",
				})
			).status,
		).toBe(400);
		const done = await formPost(app, "/admin/deliveries/replay", session, {
			destination: "zendesk",
			reason: "Zendesk is back",
			confirm: "yes",
		});
		expect(done.headers.get("location")).toBe(
			"/admin/deliveries?status=dead&destination=zendesk&notice=bulk_replayed&count=3",
		);
		expect((await page(done.headers.get("location") ?? "")).html).toContain(
			"Requeued 3 deliveries",
		);

		const [alert] = await testDb.db.query<{ id: string }>(
			"insert into plumb.alerts (kind, dedupe_key, severity, title) values ('dead_delivery', 'd1', 'warning', 'Zendesk create_ticket is dead') returning id",
		);
		const alerts = await page("/admin/alerts?status=open");
		expect(alerts.html).toContain(
			`action="/admin/alerts/${alert?.id}/acknowledge"`,
		);
		const ack = await formPost(
			app,
			`/admin/alerts/${alert?.id}/acknowledge`,
			session,
			{ reason: "on it", return_to: "/admin/alerts?status=open" },
		);
		expect(ack.headers.get("location")).toBe(
			"/admin/alerts?status=open&notice=acknowledged",
		);
		expect((await page("/admin/alerts?status=open")).html).toContain(
			"No alerts match.",
		);
		expect(
			await testDb.db.query(
				"select kind, affected from plumb.interventions order by created_at",
			),
		).toEqual([
			{ kind: "replay_dead", affected: 3 },
			{ kind: "acknowledge", affected: 1 },
		]);
	});

	it("shows the overview: 24 h charts by status, alerts, dead letters, queue, interventions", async () => {
		const ada = await paidCustomer(testDb);
		await settle(testDb, ada.syncId, {
			status: "dead",
			error: "refused",
			httpStatus: 400,
		});
		// Refused signatures are counted durably, across processes (plumb.webhook_failures).
		await testDb.db.query(
			"insert into plumb.webhook_failures (minute, source, reason, status, count) values (date_trunc('minute', now()), 'stripe', 'invalid_signature', 401, 3), (date_trunc('minute', now()), 'zendesk', 'invalid_signature', 401, 2), (now() - interval '2 days', 'stripe', 'invalid_signature', 401, 40)",
		);
		const { html, status } = await page("/admin");
		expect(status).toBe(200);
		expect(html).toMatch(
			/<svg class="chart"[^>]*aria-label="Events per hour by status: 1 processed, 0 pending, 0 failed"/,
		);
		expect(html).toMatch(
			/aria-label="Deliveries per hour by status: 0 succeeded, 0 pending, 0 running, 0 retry_pending, 0 skipped, 1 dead"/,
		);
		expect(html).toMatch(
			/<rect class="s-processed"[^>]*><title>\d\d:00: 1 processed<\/title><\/rect>/,
		);
		expect(html).toMatch(
			/<span class="n bad">1<\/span><span class="l"><a href="\/admin\/deliveries\?status=dead">dead letters<\/a>/,
		);
		expect(html).toMatch(
			/>5<\/span><span class="l">webhook signature failures, last 24 h/,
		);
		expect(html).toContain("manual interventions today");
	});

	it("goes straight to the only match of a search, and refuses unknown parameters with a page", async () => {
		const ada = await paidCustomer(testDb);
		const found = await page(
			`/admin/customers?q=${encodeURIComponent(ada.email.toUpperCase())}`,
		);
		expect(found.status).toBe(303);
		expect(found.location).toBe(`/admin/customers/${ada.id}`);
		const bad = await page("/admin/deliveries?status=lost");
		expect(bad.status).toBe(400);
		expect(bad.html).toContain("Invalid query parameters.");
		expect(
			(await page("/admin/customers/01a20a00-0000-7000-8000-000000000000"))
				.status,
		).toBe(404);
	});
});
