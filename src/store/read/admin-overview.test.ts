import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import {
	ago,
	DAY,
	HOUR,
	insertDeliveryRow,
	insertRow,
	insertWebhookFailureRow,
} from "../../../test/support/rows.ts";
import { appEvent } from "../../../test/support/state.ts";
import { recordWebhookFailure } from "../alerts/index.ts";
import { uuidAt } from "../db/index.ts";
import { insertTimeline } from "../state/index.ts";
import {
	type HourlyCount,
	loadEventTimeline,
	loadOverview,
	signatureFailuresSince,
} from "./admin-overview.ts";

/** Hourly counts summed by status, each bucket checked to start on the hour. */
const byStatus = (rows: HourlyCount[]) => {
	const totals: Record<string, number> = {};
	for (const row of rows) {
		expect(new Date(row.hour).getTime() % HOUR).toBe(0);
		totals[row.status] = (totals[row.status] ?? 0) + row.n;
	}
	return totals;
};

describe.each(backends)("the admin overview on %s", (backend: Backend) => {
	const t = useFreshDb(backend);

	it("counts the last day by hour and status, open alerts, today's interventions and every failed event", async () => {
		const old = ago(2 * DAY);
		// Two days old, with an id from then: outside the hourly window, still a failed event.
		await insertRow(t.db, "plumb.events", {
			id: uuidAt(old),
			type: "signup",
			source: "app",
			external_id: "old",
			occurred_at: old,
			received_at: old,
			correlation_id: "corr-old",
			data: "{}",
			payload: "{}",
			status: "failed",
		});
		const events = [];
		for (const n of [1, 2, 3])
			events.push(
				await appEvent(
					t.db,
					"signup",
					{ customer: { app_user_id: `u${n}` } },
					n,
				),
			);
		await t.db.query(
			"update plumb.events set status = 'processed' where id = any($1::uuid[])",
			[[events[0]?.id, events[1]?.id]],
		);
		await t.db.query(
			"update plumb.events set status = 'failed' where id = $1",
			[events[2]?.id],
		);
		await insertDeliveryRow(t.db, "d-1");
		await insertDeliveryRow(t.db, "d-2", { status: "succeeded" });
		await insertDeliveryRow(t.db, "d-3", { status: "succeeded" });
		await insertDeliveryRow(t.db, "d-old", {
			id: uuidAt(old),
			status: "dead",
			created_at: old,
		});
		const alert = (key: string, severity: string, status = "open") =>
			insertRow(t.db, "plumb.alerts", {
				kind: "test",
				dedupe_key: key,
				severity,
				title: key,
				status,
			});
		await alert("a", "critical");
		await alert("b", "warning");
		await alert("c", "critical", "acknowledged");
		await alert("d", "critical", "resolved");
		const intervention = (affected: number, createdAt: Date) =>
			insertRow(t.db, "plumb.interventions", {
				kind: "replay",
				actor: "ops",
				reason: "test",
				affected,
				created_at: createdAt,
			});
		await intervention(3, new Date());
		await intervention(4, new Date());
		await intervention(50, ago(2 * DAY));

		const overview = await loadOverview(t.db, {
			id: uuidAt(ago(DAY)),
			today: ago(DAY),
		});

		expect(byStatus(overview.events)).toEqual({ processed: 2, failed: 1 });
		expect(byStatus(overview.deliveries)).toEqual({
			pending: 1,
			succeeded: 2,
		});
		expect(overview).toMatchObject({
			openAlerts: 2,
			criticalAlerts: 1,
			interventionsToday: { count: 2, affected: 7 },
			failedEvents: 2,
		});
	});

	it("puts each row in the hour its id was made and counts the common status as the rest of that hour", async () => {
		const hourStart = Math.floor(Date.now() / HOUR) * HOUR;
		const at = (hoursAgo: number, minute: number) =>
			new Date(hourStart - hoursAgo * HOUR + minute * 60_000);
		const rows: Array<[string, number, number]> = [
			["succeeded", 5, 1],
			["succeeded", 5, 59],
			["dead", 5, 30],
			["skipped", 5, 31],
			["succeeded", 2, 0],
			["dead", 0, 0],
		];
		for (const [n, [status, hoursAgo, minute]] of rows.entries())
			await insertDeliveryRow(t.db, `d-${n}`, {
				id: uuidAt(at(hoursAgo, minute)),
				status,
				created_at: at(hoursAgo, minute),
			});
		// Before the window: not counted.
		await insertDeliveryRow(t.db, "d-old", {
			id: uuidAt(at(30, 0)),
			status: "dead",
			created_at: at(30, 0),
		});

		const overview = await loadOverview(t.db, {
			id: uuidAt(new Date(hourStart - 23 * HOUR)),
			today: ago(DAY),
		});

		expect(
			overview.deliveries.map((r) => [
				(hourStart - new Date(r.hour).getTime()) / HOUR,
				r.status,
				r.n,
			]),
		).toEqual([
			[5, "dead", 1],
			[5, "skipped", 1],
			[5, "succeeded", 2],
			[2, "succeeded", 1],
			[0, "dead", 1],
		]);
	});

	it("an empty install shows zeros and no hours", async () => {
		expect(
			await loadOverview(t.db, { id: uuidAt(ago(DAY)), today: ago(DAY) }),
		).toEqual({
			events: [],
			deliveries: [],
			openAlerts: 0,
			criticalAlerts: 0,
			interventionsToday: { count: 0, affected: 0 },
			failedEvents: 0,
			paymentsToday: 0,
		});
	});

	it("an event's timeline holds only its own entries, in the order they were written", async () => {
		const [one, two] = [
			await appEvent(t.db, "signup", { customer: { app_user_id: "u1" } }, 1),
			await appEvent(t.db, "signup", { customer: { app_user_id: "u2" } }, 2),
		];
		// Distinct times: entries written in the same millisecond have no order of their own.
		const entry = (eventId: string | undefined, kind: string, ms: number) => ({
			customerId: null,
			eventId: eventId ?? null,
			occurredAt: new Date(Date.now() - 10_000 + ms),
			kind,
			summary: `${kind} summary`,
			details: {},
		});
		await insertTimeline(t.db, [
			entry(one?.id, "first", 1),
			entry(two?.id, "other", 2),
			entry(one?.id, "second", 3),
		]);
		const timeline = await loadEventTimeline(t.db, one?.id as string);
		expect(timeline.map((e) => [e.kind, e.summary, e.customer_id])).toEqual([
			["first", "first summary", null],
			["second", "second summary", null],
		]);
		expect(await loadEventTimeline(t.db, uuidAt(new Date()))).toEqual([]);
	});

	it("refused signatures since a time, per source, from every process's minute rows", async () => {
		const refuse = (source: string, reason = "invalid_signature") =>
			recordWebhookFailure(t.db, { source, status: 401, reason });
		await refuse("stripe");
		await refuse("stripe");
		await refuse("zendesk");
		await refuse("stripe", "invalid_json");
		await insertWebhookFailureRow(t.db, {
			minute: ago(2 * HOUR),
			source: "supabase",
			reason: "invalid_signature",
			count: 9,
		});

		expect(await signatureFailuresSince(t.db, ago(HOUR))).toEqual([
			{ source: "stripe", n: 2 },
			{ source: "zendesk", n: 1 },
		]);
		expect(await signatureFailuresSince(t.db, ago(3 * HOUR))).toEqual([
			{ source: "stripe", n: 2 },
			{ source: "supabase", n: 9 },
			{ source: "zendesk", n: 1 },
		]);
		expect(
			await signatureFailuresSince(t.db, new Date(Date.now() + HOUR)),
		).toEqual([]);
	});
});
