import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import { seedDeliveries, seedOne } from "../../test/support/delivery-worker.ts";

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

interface Page {
	items: Array<Record<string, unknown> & { id: string }>;
	next_cursor: string | null;
}

describe.each(backends)("admin deliveries on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});
	const get = async (query: string) => {
		const res = await testApp(testDb.db).app.request(
			`/admin/api/deliveries${query}`,
			{ headers: auth },
		);
		return {
			status: res.status,
			body: (await res.json()) as Page & { error?: string },
		};
	};
	const replay = (id: string, body: unknown) =>
		testApp(testDb.db).app.request(`/admin/api/deliveries/${id}/replay`, {
			method: "POST",
			headers: { ...auth, "content-type": "application/json" },
			body: typeof body === "string" ? body : JSON.stringify(body),
		});

	it("needs the admin token", async () => {
		const res = await testApp(testDb.db).app.request("/admin/api/deliveries");
		expect(res.status).toBe(401);
	});

	it("lists newest first with the PRODUCT §4 fields, filters, searches and pages", async () => {
		const [customer] = await testDb.db.query<{ id: string }>(
			"insert into plumb.customers (email) values ('ann@example.com') returning id",
		);
		await testDb.db.query(
			"insert into plumb.customer_identities (kind, value, customer_id) values ('email', 'ann@example.com', $1)",
			[customer?.id],
		);
		const eventId = "01a20a00-0000-7000-8000-000000000001";
		const crm = await seedOne(testDb.db, {
			destination: "hubspot",
			action: "crm_sync",
			key: "k-crm",
			customerId: customer?.id ?? null,
			eventId,
		});
		const tickets = await seedDeliveries(testDb.db, 5);
		await testDb.db.query(
			"update plumb.deliveries set status = 'dead', last_error = 'rejected: 422' where id = $1",
			[tickets[1]],
		);
		await testDb.db.query(
			"update plumb.deliveries set external_ref = 'zd_77' where id = $1",
			[tickets[2]],
		);

		const all = await get("");
		expect(all.status).toBe(200);
		expect(all.body.items).toHaveLength(6);
		expect(all.body.items.map((i) => i.id)).toEqual(
			[...all.body.items.map((i) => i.id)].sort().reverse(),
		);
		expect(
			Object.keys(all.body.items.find((i) => i.id === crm) ?? {}).sort(),
		).toEqual(
			[
				"action",
				"attempts",
				"created_at",
				"customer_id",
				"destination",
				"event_id",
				"external_ref",
				"id",
				"last_error",
				"next_attempt_at",
				"status",
				"updated_at",
			].sort(),
		);
		expect((await get("?status=dead")).body.items.map((i) => i.id)).toEqual([
			tickets[1],
		]);
		expect(
			(await get("?destination=hubspot")).body.items.map((i) => i.id),
		).toEqual([crm]);
		for (const q of [crm, eventId, customer?.id, "ANN@example.com"])
			expect(
				(await get(`?q=${encodeURIComponent(q ?? "")}`)).body.items.map(
					(i) => i.id,
				),
				q,
			).toEqual([crm]);
		expect((await get("?q=zd_77")).body.items.map((i) => i.id)).toEqual([
			tickets[2],
		]);

		const seen: string[] = [];
		let cursor: string | null = null;
		do {
			const next: Page = (
				await get(`?limit=4${cursor ? `&cursor=${cursor}` : ""}`)
			).body;
			seen.push(...next.items.map((i) => i.id));
			cursor = next.next_cursor;
		} while (cursor !== null);
		expect(seen).toEqual(all.body.items.map((i) => i.id));
	});

	it("refuses unknown parameters and values outside the allowlists", async () => {
		for (const query of [
			"?status=lost",
			"?destination=salesforce",
			"?sort=id",
			"?limit=0",
			"?cursor=%27%3B",
		]) {
			const res = await get(query);
			expect(res.status, query).toBe(400);
			expect(res.body.error).toBe("validation_failed");
		}
	});

	it("replays a dead delivery (202, audited), refuses a succeeded one unless forced, and validates the body", async () => {
		const [dead, done] = await seedDeliveries(testDb.db, 2);
		await testDb.db.query(
			"update plumb.deliveries set status = 'dead', attempts = 3 where id = $1",
			[dead],
		);
		await testDb.db.query(
			"update plumb.deliveries set status = 'succeeded', attempts = 1 where id = $1",
			[done],
		);

		const res = await replay(dead as string, {
			reason: "HubSpot token rotated",
		});
		expect(res.status).toBe(202);
		expect(await res.json()).toMatchObject({
			id: dead,
			requeued: true,
			status: "pending",
		});
		const [row] = await testDb.db.query<{
			status: string;
			attempts: number;
			budget_attempts: number;
		}>(
			"select status, attempts, budget_attempts from plumb.deliveries where id = $1",
			[dead],
		);
		expect(row).toEqual({ status: "pending", attempts: 3, budget_attempts: 3 });
		const audit = await testDb.db.query<{
			kind: string;
			actor: string;
			reason: string;
			target: unknown;
			affected: number;
		}>("select kind, actor, reason, target, affected from plumb.interventions");
		expect(audit).toEqual([
			{
				kind: "replay",
				actor: expect.stringMatching(/^admin-api \(request .+\)$/),
				reason: "HubSpot token rotated",
				target: { delivery_id: dead, previous_status: "dead", force: false },
				affected: 1,
			},
		]);

		const again = await replay(dead as string, { reason: "twice" });
		expect(again.status).toBe(202);
		expect(await again.json()).toMatchObject({
			requeued: false,
			status: "pending",
			message: "It is already queued.",
		});
		const refused = await replay(done as string, { reason: "again" });
		expect(refused.status).toBe(409);
		expect(await refused.json()).toMatchObject({
			error: "conflict",
			message: expect.stringMatching(/force/),
		});
		expect(
			(await replay(done as string, { reason: "again", force: true })).status,
		).toBe(202);

		for (const body of [
			{},
			{ reason: "" },
			{ reason: "x", extra: 1 },
			{ reason: "x", force: "yes" },
		])
			expect(
				(await replay(dead as string, body)).status,
				JSON.stringify(body),
			).toBe(400);
		expect((await replay(dead as string, "not json")).status).toBe(400);
		expect(
			(await replay("01a20a00-0000-7000-8000-00000000dead", { reason: "x" }))
				.status,
		).toBe(404);
		expect((await replay("nope", { reason: "x" })).status).toBe(404);
		expect(
			await testDb.db.query("select 1 from plumb.interventions"),
		).toHaveLength(2);
	});
});
