import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import { seedDeliveries } from "../../test/support/delivery-worker.ts";

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

interface Page {
	items: Array<Record<string, unknown> & { id: string }>;
	next_cursor: string | null;
}

describe.each(backends)(
	"admin deliveries: bulk replay and paging on %s",
	(backend: Backend) => {
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

		it("bulk-replays every dead delivery of one destination, audited as one intervention", async () => {
			const hubspot = await seedDeliveries(testDb.db, 3, {
				destination: "hubspot",
				action: "notify",
				prefix: "h",
			});
			const zendesk = await seedDeliveries(testDb.db, 1, { prefix: "z" });
			await testDb.db.query(
				"update plumb.deliveries set status = 'dead', attempts = 3, last_error = 'refused (400)' where id = any($1::uuid[])",
				[[...hubspot, ...zendesk]],
			);
			const bulk = (body: unknown) =>
				testApp(testDb.db).app.request("/admin/api/deliveries/replay", {
					method: "POST",
					headers: { ...auth, "content-type": "application/json" },
					body: JSON.stringify(body),
				});
			for (const body of [
				{ status: "dead", destination: "hubspot" },
				{ status: "retry_pending", reason: "x" },
				{ status: "dead", destination: "salesforce", reason: "x" },
				{ status: "dead", reason: "x", limit: 5 },
			])
				expect((await bulk(body)).status, JSON.stringify(body)).toBe(400);
			const res = await bulk({
				status: "dead",
				destination: "hubspot",
				reason: "HubSpot property fixed",
			});
			expect(res.status).toBe(202);
			expect(await res.json()).toMatchObject({
				total: 3,
				requeued: 3,
				superseded: 0,
				destination: "hubspot",
			});
			const rows = await testDb.db.query<{ id: string; status: string }>(
				"select id, status from plumb.deliveries order by id",
			);
			expect(
				rows
					.filter((r) => r.status === "pending")
					.map((r) => r.id)
					.sort(),
			).toEqual([...hubspot].sort());
			expect(rows.find((r) => r.id === zendesk[0])?.status).toBe("dead");
			expect(
				await testDb.db.query(
					"select kind, reason, target, affected from plumb.interventions",
				),
			).toEqual([
				{
					kind: "replay_dead",
					reason: "HubSpot property fixed",
					target: { status: "dead", destination: "hubspot" },
					affected: 3,
				},
			]);
			// Nothing dead is left for HubSpot: a second run does nothing and records nothing.
			const again = await bulk({
				status: "dead",
				destination: "hubspot",
				reason: "again",
			});
			expect(await again.json()).toMatchObject({
				intervention_id: null,
				total: 0,
				requeued: 0,
				message: "No dead deliveries to replay; nothing was recorded.",
			});
			expect(
				await testDb.db.query(
					"select count(*)::int as n from plumb.interventions",
				),
			).toEqual([{ n: 1 }]);
		});

		it("filters by action, customer, event and time range, and pages exactly once while deliveries are added", async () => {
			const ids = await seedDeliveries(testDb.db, 23);
			expect(
				(await get("?action=create_ticket&limit=200")).body.items,
			).toHaveLength(23);
			expect((await get("?action=crm_sync")).body.items).toEqual([]);
			expect(
				(await get(`?from=${new Date(Date.now() + 60_000).toISOString()}`)).body
					.items,
			).toEqual([]);
			const seen: string[] = [];
			let cursor: string | null = null;
			let extra = 0;
			do {
				const next: Page = (
					await get(`?limit=6${cursor ? `&cursor=${cursor}` : ""}`)
				).body;
				seen.push(...next.items.map((i) => i.id));
				cursor = next.next_cursor;
				await seedDeliveries(testDb.db, 2, { prefix: `more${extra++}` });
			} while (cursor !== null);
			// Every row that existed when the walk began comes exactly once, newest first; rows added
			// meanwhile may show up (a later id in the same millisecond can sort below the cursor), never twice.
			expect(seen.filter((id) => ids.includes(id))).toEqual(
				[...ids].sort().reverse(),
			);
			expect(new Set(seen).size).toBe(seen.length);
		});
	},
);
