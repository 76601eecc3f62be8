import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import { insertDeliveryRow } from "../../../test/support/rows.ts";
import { count } from "../../../test/support/state.ts";
import {
	getDelivery,
	insertDelivery,
	type NewDeliveryRow,
	queueStats,
} from "./deliveries.ts";

const row = (
	key: string,
	extra: Partial<NewDeliveryRow> = {},
): NewDeliveryRow => ({
	destination: "zendesk",
	action: "create_ticket",
	idempotencyKey: key,
	customerId: null,
	eventId: null,
	payload: { subject: key },
	...extra,
});

describe.each(backends)("the deliveries table on %s", (backend: Backend) => {
	const t = useFreshDb(backend);

	it("inserts a delivery once per idempotency key, payload and all", async () => {
		const id = await insertDelivery(t.db, row("zendesk:1"));
		expect(id).toEqual(expect.any(String));
		expect(await insertDelivery(t.db, row("zendesk:1", { action: "x" }))).toBe(
			null,
		);
		expect(
			await t.db.query(
				"select id, action, payload, status, attempts from plumb.deliveries",
			),
		).toEqual([
			{
				id,
				action: "create_ticket",
				payload: { subject: "zendesk:1" },
				status: "pending",
				attempts: 0,
			},
		]);
	});

	it("reads one delivery as lists show it; an unknown or malformed id is nothing", async () => {
		const id = (await insertDeliveryRow(t.db, "k-1", { external_ref: "zd_7" }))
			.id;
		expect(await getDelivery(t.db, id)).toMatchObject({
			id,
			destination: "zendesk",
			action: "create_ticket",
			status: "pending",
			external_ref: "zd_7",
		});
		const otherId = id.replace(/.$/, (last) => (last === "0" ? "1" : "0"));
		expect(await getDelivery(t.db, otherId)).toBeUndefined();
		expect(await getDelivery(t.db, "not-a-uuid")).toBeUndefined();
	});

	it("counts due, scheduled, running and dead work per destination, never the succeeded history", async () => {
		const due = (minutesAgo: number) =>
			new Date(Date.now() - minutesAgo * 60_000);
		await insertDeliveryRow(t.db, "z-due-old", { next_attempt_at: due(10) });
		await insertDeliveryRow(t.db, "z-due", {
			status: "retry_pending",
			next_attempt_at: due(1),
		});
		await insertDeliveryRow(t.db, "z-later", { next_attempt_at: due(-30) });
		await insertDeliveryRow(t.db, "z-running", { status: "running" });
		await insertDeliveryRow(t.db, "z-dead", { status: "dead" });
		await insertDeliveryRow(t.db, "s-dead", {
			destination: "slack",
			action: "notify",
			status: "dead",
		});
		await insertDeliveryRow(t.db, "h-done", {
			destination: "hubspot",
			action: "crm_sync",
			status: "succeeded",
		});
		const stats = await queueStats(t.db);
		const byDestination = Object.fromEntries(
			stats.map(({ destination, ...rest }) => [destination, rest]),
		);
		expect(Object.keys(byDestination).sort()).toEqual(["slack", "zendesk"]);
		expect(byDestination.zendesk).toMatchObject({
			due: 2,
			scheduled: 1,
			running: 1,
			dead: 1,
		});
		expect(byDestination.zendesk?.oldest_due_seconds).toBeGreaterThan(590);
		expect(byDestination.zendesk?.oldest_due_seconds).toBeLessThan(900);
		expect(byDestination.slack).toEqual({
			due: 0,
			scheduled: 0,
			running: 0,
			dead: 1,
			oldest_due_seconds: null,
		});
		expect(await count(t.db, "select * from plumb.deliveries")).toBe(7);
	});
});
