import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import type { NewEvent } from "../core/index.ts";
import { insertEvent } from "../store/index.ts";

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

function event(n: number, overrides: Partial<NewEvent> = {}): NewEvent {
	return {
		type: "payment_succeeded",
		source: "stripe",
		externalId: `evt_${n}`,
		occurredAt: new Date(1_700_000_000_000 + n * 1000),
		correlationId: `corr-${n}`,
		data: { customer: { email: `user${n}@example.com` } },
		payload: { id: `evt_${n}` },
		...overrides,
	};
}

interface Page {
	items: Array<{
		id: string;
		external_id: string;
		type: string;
		source: string;
	}>;
	next_cursor: string | null;
}

describe.each(backends)("GET /admin/api/events on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it("refuses requests without the admin token, with a wrong one, and when no token is configured", async () => {
		const { app } = testApp(testDb.db);
		expect((await app.request("/admin/api/events")).status).toBe(401);
		expect(
			(
				await app.request("/admin/api/events", {
					headers: { authorization: "Bearer wrong" },
				})
			).status,
		).toBe(401);
		expect(
			(
				await app.request("/admin/api/events", {
					headers: { authorization: TEST_ADMIN_TOKEN },
				})
			).status,
		).toBe(401);
		const closed = testApp(testDb.db, { env: { ADMIN_TOKEN: "" } });
		const res = await closed.app.request("/admin/api/events", {
			headers: auth,
		});
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({
			error: "unauthorized",
			message: expect.stringContaining("ADMIN_TOKEN"),
		});
	});

	it("lists newest first and finds an event by id, external id, correlation id or customer e-mail", async () => {
		const { app } = testApp(testDb.db);
		const stored = [];
		for (let n = 1; n <= 3; n++)
			stored.push(await insertEvent(testDb.db, event(n)));
		const all = (await (
			await app.request("/admin/api/events", { headers: auth })
		).json()) as Page;
		expect(all.items.map((i) => i.external_id)).toEqual([
			"evt_3",
			"evt_2",
			"evt_1",
		]);
		expect(all.next_cursor).toBeNull();
		for (const q of [stored[1]?.id, "evt_2", "corr-2", "USER2@example.com"]) {
			const res = (await (
				await app.request(
					`/admin/api/events?q=${encodeURIComponent(q ?? "")}`,
					{ headers: auth },
				)
			).json()) as Page;
			expect(
				res.items.map((i) => i.external_id),
				q,
			).toEqual(["evt_2"]);
		}
	});

	it("filters by type and source", async () => {
		const { app } = testApp(testDb.db);
		await insertEvent(testDb.db, event(1));
		await insertEvent(
			testDb.db,
			event(2, { type: "signup", source: "supabase" }),
		);
		const byType = (await (
			await app.request("/admin/api/events?type=signup", { headers: auth })
		).json()) as Page;
		expect(byType.items.map((i) => i.external_id)).toEqual(["evt_2"]);
		const bySource = (await (
			await app.request("/admin/api/events?source=stripe", { headers: auth })
		).json()) as Page;
		expect(bySource.items.map((i) => i.external_id)).toEqual(["evt_1"]);
	});

	it("refuses unknown filters and bad values with 400 instead of guessing", async () => {
		const { app } = testApp(testDb.db);
		for (const query of [
			"type=nope",
			"source=shopify",
			"limit=0",
			"limit=1000",
			"cursor=%27%3B%20drop",
			"sort=id",
		]) {
			const res = await app.request(`/admin/api/events?${query}`, {
				headers: auth,
			});
			expect(res.status, query).toBe(400);
			expect(await res.json()).toMatchObject({ error: "validation_failed" });
		}
	});

	it("pages with a cursor and returns every row exactly once while rows are being inserted", async () => {
		const { app } = testApp(testDb.db);
		for (let n = 1; n <= 25; n++) await insertEvent(testDb.db, event(n));
		const seen: string[] = [];
		const ids: string[] = [];
		let cursor: string | null = null;
		let inserted = 100;
		do {
			const url: string = `/admin/api/events?limit=7${cursor ? `&cursor=${cursor}` : ""}`;
			const pageBody = (await (
				await app.request(url, { headers: auth })
			).json()) as Page;
			seen.push(...pageBody.items.map((i) => i.external_id));
			ids.push(...pageBody.items.map((i) => i.id));
			cursor = pageBody.next_cursor;
			// New events land on the first page only (newest first), never in the middle of a walk.
			await insertEvent(testDb.db, event(inserted++));
		} while (cursor !== null);
		expect(seen).toHaveLength(25);
		expect(new Set(seen).size).toBe(25);
		expect(seen.sort()).toEqual(
			Array.from({ length: 25 }, (_, i) => `evt_${i + 1}`).sort(),
		);
		expect(ids).toEqual([...ids].sort().reverse());
	});
});
