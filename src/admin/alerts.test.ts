import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bearer } from "../../test/e2e/admin-fixtures.ts";
import { testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";

interface Page {
	items: Array<{ id: string; status: string; acknowledged_by: string | null }>;
	next_cursor: string | null;
}

describe.each(backends)("admin alerts API on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});
	const app = () => testApp(testDb.db).app;
	const list = async (query = "") =>
		(await (
			await app().request(`/admin/api/alerts${query}`, { headers: bearer })
		).json()) as Page;
	const ack = (id: string, body: unknown) =>
		app().request(`/admin/api/alerts/${id}/acknowledge`, {
			method: "POST",
			headers: { ...bearer, "content-type": "application/json" },
			body: JSON.stringify(body),
		});
	const raise = async (n: number, severity = "warning") => {
		const [row] = await testDb.db.query<{ id: string }>(
			`insert into plumb.alerts (kind, dedupe_key, severity, title, body)
			 values ('dead_delivery', $1, $2, $3, 'HubSpot refused the request (400)') returning id`,
			[`dead:${n}`, severity, `HubSpot crm_sync is dead (${n})`],
		);
		return row?.id as string;
	};

	it("lists newest first, filters by status and severity, and acknowledges with an audited reason", async () => {
		const first = await raise(1);
		const second = await raise(2, "critical");
		expect((await list()).items.map((a) => a.id)).toEqual([second, first]);
		expect((await list("?severity=critical")).items.map((a) => a.id)).toEqual([
			second,
		]);

		const res = await ack(first, {
			reason: "Looking into the HubSpot property",
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({
			id: first,
			acknowledged: true,
			status: "acknowledged",
		});
		expect((await list("?status=open")).items.map((a) => a.id)).toEqual([
			second,
		]);
		expect((await list("?status=acknowledged")).items).toEqual([
			expect.objectContaining({
				id: first,
				acknowledged_by: expect.stringMatching(/^admin-api \(request .+\)$/),
			}),
		]);
		const again = await ack(first, { reason: "twice" });
		expect(await again.json()).toMatchObject({
			acknowledged: false,
			status: "acknowledged",
		});
		expect(
			await testDb.db.query(
				"select kind, reason, target, affected from plumb.interventions",
			),
		).toEqual([
			{
				kind: "acknowledge",
				reason: "Looking into the HubSpot property",
				target: { alert_id: first },
				affected: 1,
			},
		]);

		for (const body of [{}, { reason: "" }, { reason: "x", extra: true }])
			expect((await ack(second, body)).status, JSON.stringify(body)).toBe(400);
		expect(
			(await ack("01a20a00-0000-7000-8000-000000000000", { reason: "x" }))
				.status,
		).toBe(404);
		expect((await ack("nope", { reason: "x" })).status).toBe(404);
		for (const query of [
			"?status=closed",
			"?severity=loud",
			"?kind=Robert'); drop",
			"?mine=1",
		]) {
			const res = await app().request(`/admin/api/alerts${query}`, {
				headers: bearer,
			});
			expect(res.status, query).toBe(400);
		}
	});

	it("pages every alert exactly once while new ones are raised", async () => {
		for (let n = 0; n < 17; n++) await raise(n);
		const seen: string[] = [];
		let cursor: string | null = null;
		let n = 100;
		do {
			const page: Page = await list(
				`?limit=4${cursor ? `&cursor=${cursor}` : ""}`,
			);
			seen.push(...page.items.map((a) => a.id));
			cursor = page.next_cursor;
			await raise(n++);
		} while (cursor !== null);
		expect(seen).toHaveLength(17);
		expect(new Set(seen).size).toBe(17);
	});
});
