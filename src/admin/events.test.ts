import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bearer, paidCustomer } from "../../test/e2e/admin-fixtures.ts";
import { TEST_STRIPE_SECRET, testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import { stripeRequest } from "../../test/support/stripe.ts";
import { insertEvent } from "../store/index.ts";

/** What a careless payload could carry; none of it may come back from the admin API. */
const SECRETS = [
	"pi_3Mtw_secret_YrKJUKribcBjcG8HVhfZluoGH",
	"sk_live_51Habcdefghijklmnopqrstuvwxyz",
	"4242424242424242",
	"4000 0566 5566 5556",
	TEST_STRIPE_SECRET,
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
	"hunter2-password",
];

describe.each(backends)("admin events API on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});
	const get = async (path: string) => {
		const res = await testApp(testDb.db).app.request(path, { headers: bearer });
		return { status: res.status, text: await res.text() };
	};

	it("shows one event with its payload redacted, the deliveries it caused and what it changed", async () => {
		const ada = await paidCustomer(testDb, { n: 1 });
		const { id } = await insertEvent(testDb.db, {
			type: "ignored",
			source: "stripe",
			externalId: "evt_leaky",
			occurredAt: new Date(),
			correlationId: "corr-leaky",
			data: {},
			payload: {
				id: "evt_leaky",
				data: {
					object: {
						client_secret: SECRETS[0],
						metadata: {
							note: `key ${SECRETS[1]} card ${SECRETS[2]}`,
							other: `card ${SECRETS[3]}`,
						},
						webhook: SECRETS[4],
						jwt: SECRETS[5],
						password: SECRETS[6],
						api_key: "x",
						customer_email: "ada1@example.com",
						invoice: "in_123",
						attempt_uuid: "01a20a00-0000-7000-8000-424242424242",
					},
				},
			},
		});
		const res = await get(`/admin/api/events/${id}`);
		expect(res.status).toBe(200);
		for (const secret of [...SECRETS, 'api_key":"x'])
			expect(res.text, secret).not.toContain(secret);
		const body = JSON.parse(res.text) as {
			event: { payload: { data: { object: Record<string, unknown> } } };
		};
		expect(body.event.payload.data.object).toMatchObject({
			client_secret: "[redacted]",
			password: "[redacted]",
			api_key: "[redacted]",
			metadata: {
				note: "key sk_live_[redacted] card [card]",
				other: "card [card]",
			},
			// E-mails, provider ids and Plumb's ids stay readable.
			customer_email: "ada1@example.com",
			invoice: "in_123",
			attempt_uuid: "01a20a00-0000-7000-8000-424242424242",
		});

		const paid = JSON.parse(
			(await get(`/admin/api/events/${ada.eventId}`)).text,
		) as {
			deliveries: Array<{ id: string }>;
			timeline: Array<{ summary: string }>;
		};
		expect(paid.deliveries.map((d) => d.id)).toEqual([ada.syncId]);
		expect(paid.timeline).toEqual([
			expect.objectContaining({
				summary: "Payment succeeded 20.00 USD (pi_1)",
			}),
		]);
		expect((await get("/admin/api/events/nope")).status).toBe(404);
		expect(
			(await get("/admin/api/events/01a20a00-0000-7000-8000-000000000000"))
				.status,
		).toBe(404);
	});

	it("says a payload was removed by retention, and still shows the event's normalized data", async () => {
		const { id } = await insertEvent(testDb.db, {
			type: "ignored",
			source: "stripe",
			externalId: "evt_pruned",
			occurredAt: new Date(),
			correlationId: "corr-pruned",
			data: { customer: { name: "gold-kept" } },
			payload: { id: "evt_pruned", raw: "raw-gone" },
		});
		await testDb.db.query(
			"update plumb.events set payload = null, status = 'processed' where id = $1",
			[id],
		);
		const api = await get(`/admin/api/events/${id}`);
		expect(api.status).toBe(200);
		expect(JSON.parse(api.text)).toMatchObject({
			event: { payload: null, data: { customer: { name: "gold-kept" } } },
		});
		const page = await get(`/admin/events/${id}`);
		expect(page.status).toBe(200);
		expect(page.text).toContain(
			"Removed by retention (PLUMB_RETENTION_PAYLOADS)",
		);
		expect(page.text).toContain("gold-kept");
		expect(page.text).not.toContain("raw-gone");
	});

	it("shows __proto__ and constructor keys of a stored payload as data, redacted only by the rules", async () => {
		const { app } = testApp(testDb.db);
		// Built as text: in an object literal or through JSON.stringify, "__proto__" would not survive.
		const metadata = `{"__proto__":{"x":1,"api_key":"${SECRETS[1]}"},"constructor":"y","password":"${SECRETS[6]}","plan":"gold"}`;
		const object = `{"id":"cus_proto","object":"customer","email":"proto@example.com","metadata":${metadata}}`;
		const payload = `{"id":"evt_proto","object":"event","api_version":"2025-08-27.basil","created":${Math.floor(Date.now() / 1000)},"data":{"object":${object}},"livemode":false,"pending_webhooks":1,"type":"customer.updated"}`;
		const posted = await app.request(
			"/webhooks/stripe",
			stripeRequest(payload),
		);
		expect(posted.status).toBe(200);
		const { event_id: id } = (await posted.json()) as { event_id: string };
		const [stored] = await testDb.db.query<{ proto: unknown; ctor: unknown }>(
			`select payload #> '{data,object,metadata,__proto__}' as proto,
			        payload #> '{data,object,metadata,constructor}' as ctor
			 from plumb.events where id = $1`,
			[id],
		);
		expect(stored).toEqual({
			proto: { x: 1, api_key: SECRETS[1] },
			ctor: "y",
		});

		const expectShown = (metadata: unknown, where: string) => {
			const own = (key: string) =>
				Object.getOwnPropertyDescriptor(metadata, key)?.value;
			expect(Object.keys(metadata as object).sort(), where).toEqual([
				"__proto__",
				"constructor",
				"password",
				"plan",
			]);
			expect(own("__proto__"), where).toEqual({
				x: 1,
				api_key: "[redacted]",
			});
			expect(own("constructor"), where).toBe("y");
			expect(own("password"), where).toBe("[redacted]");
			expect(own("plan"), where).toBe("gold");
		};
		type Detail = {
			event: { payload: { data: { object: { metadata: unknown } } } };
		};
		const api = await get(`/admin/api/events/${id}`);
		expect(api.status).toBe(200);
		for (const secret of [SECRETS[1], SECRETS[6]])
			expect(api.text).not.toContain(secret);
		expectShown(
			(JSON.parse(api.text) as Detail).event.payload.data.object.metadata,
			"API",
		);

		const page = await app.request(`/admin/events/${id}`, { headers: bearer });
		expect(page.status).toBe(200);
		const html = await page.text();
		for (const secret of [SECRETS[1], SECRETS[6]])
			expect(html).not.toContain(secret);
		const shown = /<pre class="payload">([^<]*)<\/pre>/.exec(html)?.[1] ?? "";
		const text = shown
			.replaceAll("&quot;", '"')
			.replaceAll("&#39;", "'")
			.replaceAll("&lt;", "<")
			.replaceAll("&gt;", ">")
			.replaceAll("&amp;", "&");
		expectShown(
			(JSON.parse(text) as Detail["event"]["payload"]).data.object.metadata,
			"page",
		);
	});

	it("filters by status, customer, time range and a provider id", async () => {
		const ada = await paidCustomer(testDb, { n: 1 });
		const list = async (query: string) =>
			(
				JSON.parse((await get(`/admin/api/events${query}`)).text) as {
					items: Array<{ id: string }>;
				}
			).items.map((i) => i.id);
		const failed = await insertEvent(testDb.db, {
			type: "signup",
			source: "app",
			externalId: "app_1",
			occurredAt: new Date(),
			correlationId: "corr-1",
			data: { customer: { email: "Zed@Example.com" } },
			payload: {},
		});
		await testDb.db.query(
			"update plumb.events set status = 'failed', last_error = 'boom' where id = $1",
			[failed.id],
		);
		expect(await list("?status=failed")).toEqual([failed.id]);
		expect(await list("?status=processed")).toEqual([ada.eventId]);
		expect(await list(`?customer_id=${ada.id}`)).toEqual([ada.eventId]);
		for (const q of ["pi_1", "cus_1", "evt_paid_1", "ada1@example.com"])
			expect(await list(`?q=${q}`), q).toEqual([ada.eventId]);
		// Not resolved to a customer yet: found by the e-mail it names.
		expect(await list("?q=zed@example.com")).toEqual([failed.id]);
		const later = new Date(Date.now() + 60_000).toISOString();
		expect(await list(`?from=${later}`)).toEqual([]);
		expect(await list(`?to=${later}`)).toHaveLength(2);
		expect(await list("?from=2000-01-01&to=2000-01-02")).toEqual([]);
		for (const query of ["?status=lost", "?customer_id=1", "?order=asc"])
			expect((await get(`/admin/api/events${query}`)).status, query).toBe(400);
	});
});
