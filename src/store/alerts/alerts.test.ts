import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	freshDb,
	useFreshDb,
} from "../../../test/support/db.ts";
import {
	ago,
	DAY,
	insertDeliveryRow,
	insertWebhookFailureRow,
} from "../../../test/support/rows.ts";
import { count } from "../../../test/support/state.ts";
import { acknowledgeAlert, listAlerts } from "./admin-alerts.ts";
import {
	activeAlerts,
	alertsAwaitingResolvedNotice,
	countActiveAlerts,
	pruneWebhookFailures,
	readLogSalt,
	recordWebhookFailure,
	resolveAlerts,
	tryAlertRulesLock,
} from "./alert-rules.ts";
import { type NewAlert, openAlert } from "./alerts.ts";

const alert = (key: string, extra: Partial<NewAlert> = {}): NewAlert => ({
	kind: "failure_rate",
	dedupeKey: key,
	severity: "warning",
	title: `title ${key}`,
	body: `body ${key}`,
	...extra,
});

describe.each(backends)("alerts on %s", (backend: Backend) => {
	const t = useFreshDb(backend);

	const open = async (key: string, extra: Partial<NewAlert> = {}) => {
		const id = await openAlert(t.db, alert(key, extra));
		if (!id) throw new Error(`alert ${key} was not opened`);
		// Ids are time-ordered to the millisecond; within one, their order is random.
		await new Promise((resolve) => setTimeout(resolve, 2));
		return id;
	};

	it("opens once per episode: a second alert with the key waits until the first is resolved", async () => {
		const first = await open("k");
		expect(await openAlert(t.db, alert("k"))).toBe(null);
		await acknowledgeAlert(t.db, { id: first, actor: "ops", reason: "seen" });
		expect(await openAlert(t.db, alert("k"))).toBe(null);
		expect(await resolveAlerts(t.db, [first])).toEqual([first]);
		const second = await open("k", { severity: "critical" });
		expect(second).not.toBe(first);
		expect(
			await t.db.query(
				"select dedupe_key, status, severity from plumb.alerts order by id",
			),
		).toEqual([
			{ dedupe_key: "k", status: "resolved", severity: "warning" },
			{ dedupe_key: "k", status: "open", severity: "critical" },
		]);
	});

	it("lists newest first with each filter, a page at a time", async () => {
		const ids = [
			await open("a"),
			await open("b", { severity: "critical" }),
			await open("c", { kind: "dead_delivery" }),
			await open("d", { severity: "critical" }),
		];
		await resolveAlerts(t.db, [ids[0] as string]);
		const list = async (filter: Parameters<typeof listAlerts>[1]) =>
			(await listAlerts(t.db, filter)).map((a) => a.id);

		expect(await list({ limit: 10 })).toEqual([...ids].reverse());
		const page = await list({ limit: 2 });
		expect(page).toEqual([ids[3], ids[2]]);
		expect(await list({ limit: 2, before: page[1] })).toEqual([ids[1], ids[0]]);
		expect(await list({ limit: 10, severity: "critical" })).toEqual([
			ids[3],
			ids[1],
		]);
		expect(await list({ limit: 10, status: "resolved" })).toEqual([ids[0]]);
		expect(await list({ limit: 10, kind: "dead_delivery" })).toEqual([ids[2]]);
		expect(await list({ limit: 10, fromId: ids[1], toId: ids[3] })).toEqual([
			ids[2],
			ids[1],
		]);
		const [customer] = await t.db.query<{ id: string }>(
			"insert into plumb.customers default values returning id",
		);
		await open("e", { customerId: customer?.id });
		expect(
			(await listAlerts(t.db, { limit: 10, customerId: customer?.id })).map(
				(a) => [a.title, a.status, a.customer_id],
			),
		).toEqual([["title e", "open", customer?.id]]);
	});

	it("acknowledging an open alert is audited once; again, or on a resolved one, changes nothing", async () => {
		const id = await open("a");
		const done = await open("b");
		await resolveAlerts(t.db, [done]);

		const first = await acknowledgeAlert(t.db, {
			id,
			actor: "ops@example.com",
			reason: "on it",
		});
		expect(first).toEqual({
			changed: true,
			status: "acknowledged",
			interventionId: expect.any(String),
		});
		expect(
			await acknowledgeAlert(t.db, { id, actor: "other", reason: "me too" }),
		).toEqual({ changed: false, status: "acknowledged", interventionId: null });
		expect(
			await acknowledgeAlert(t.db, { id: done, actor: "x", reason: "late" }),
		).toEqual({ changed: false, status: "resolved", interventionId: null });
		expect(
			await acknowledgeAlert(t.db, {
				id: "00000000-0000-0000-0000-000000000000",
				actor: "x",
				reason: "none",
			}),
		).toBeUndefined();

		const [row] = await listAlerts(t.db, { limit: 1, before: done });
		expect(row).toMatchObject({
			id,
			status: "acknowledged",
			acknowledged_by: "ops@example.com",
		});
		expect(
			await t.db.query(
				"select id, kind, actor, reason, target, affected from plumb.interventions",
			),
		).toEqual([
			{
				id: first?.interventionId,
				kind: "acknowledge",
				actor: "ops@example.com",
				reason: "on it",
				target: { alert_id: id },
				affected: 1,
			},
		]);
	});

	it("the evaluator sees active alerts of its kinds, resolves each once, and counts what is firing", async () => {
		const rule = await open("r", { kind: "failure_rate" });
		const acked = await open("s", {
			kind: "sync_latency",
			severity: "critical",
		});
		await acknowledgeAlert(t.db, { id: acked, actor: "ops", reason: "x" });
		await open("d", { kind: "dead_delivery" });

		expect(
			(await activeAlerts(t.db, ["failure_rate", "sync_latency"])).map(
				(a) => a.id,
			),
		).toEqual([rule, acked]);
		expect(await countActiveAlerts(t.db)).toEqual([
			{ kind: "dead_delivery", severity: "warning", count: 1 },
			{ kind: "failure_rate", severity: "warning", count: 1 },
			{ kind: "sync_latency", severity: "critical", count: 1 },
		]);
		expect((await resolveAlerts(t.db, [rule, acked])).sort()).toEqual(
			[rule, acked].sort(),
		);
		expect(await resolveAlerts(t.db, [rule])).toEqual([]);
		expect(await resolveAlerts(t.db, [])).toEqual([]);
		expect(await activeAlerts(t.db, ["failure_rate", "sync_latency"])).toEqual(
			[],
		);
	});

	it("a resolved alert whose opening was notified awaits its resolved notice until one is queued", async () => {
		const notified = await open("n");
		const silent = await open("s");
		const other = await open("o", { kind: "dead_delivery" });
		await insertDeliveryRow(t.db, `slack:notify:${notified}:alert_rule`, {
			destination: "slack",
			action: "notify",
		});
		await insertDeliveryRow(t.db, `slack:notify:${other}:dead_delivery`, {
			destination: "slack",
			action: "notify",
		});
		await resolveAlerts(t.db, [notified, silent, other]);

		const awaiting = async () =>
			(await alertsAwaitingResolvedNotice(t.db, ["failure_rate"])).map(
				(a) => a.id,
			);
		expect(await awaiting()).toEqual([notified]);
		await insertDeliveryRow(t.db, `slack:notify:${notified}:alert_resolved`, {
			destination: "slack",
			action: "notify",
		});
		expect(await awaiting()).toEqual([]);
	});

	it("counts failed webhook requests per minute row, and prunes rows older than two days", async () => {
		for (const status of [401, 401, 400])
			await recordWebhookFailure(t.db, {
				source: "stripe",
				status,
				reason: "invalid_signature",
			});
		await recordWebhookFailure(t.db, {
			source: "stripe",
			status: 413,
			reason: "x".repeat(300),
		});
		await insertWebhookFailureRow(t.db, {
			minute: ago(3 * DAY),
			source: "zendesk",
			reason: "old",
			count: 4,
		});
		expect(
			await t.db.query(
				"select source, length(reason) as len, status, count from plumb.webhook_failures order by count desc, source",
			),
		).toEqual([
			{ source: "zendesk", len: 3, status: 401, count: 4 },
			{ source: "stripe", len: 17, status: 400, count: 3 },
			{ source: "stripe", len: 100, status: 413, count: 1 },
		]);
		await pruneWebhookFailures(t.db);
		expect(await count(t.db, "select * from plumb.webhook_failures")).toBe(2);
	});

	it("the install has a log salt of its own", async () => {
		const salt = await readLogSalt(t.db);
		expect(salt.length).toBeGreaterThanOrEqual(16);
		expect(await readLogSalt(t.db)).toBe(salt);
	});

	it("one evaluator holds the rules lock at a time, until its transaction ends", async () => {
		expect(await t.db.transaction((tx) => tryAlertRulesLock(tx))).toBe(true);
		expect(await t.db.transaction((tx) => tryAlertRulesLock(tx))).toBe(true);
	});
});

describe.runIf(backends.includes("pg"))("the alert rules lock on pg", () => {
	it("is refused to a second connection while the first holds it", async () => {
		const t = await freshDb("pg");
		try {
			let release = () => {};
			const held = new Promise<void>((resolve) => {
				release = resolve;
			});
			let locked!: () => void;
			const taken = new Promise<void>((resolve) => {
				locked = resolve;
			});
			const holder = t.db.transaction(async (tx) => {
				expect(await tryAlertRulesLock(tx)).toBe(true);
				locked();
				await held;
			});
			await taken;
			expect(await t.db.transaction((tx) => tryAlertRulesLock(tx))).toBe(false);
			release();
			await holder;
			expect(await t.db.transaction((tx) => tryAlertRulesLock(tx))).toBe(true);
		} finally {
			await t.dispose();
		}
	});
});
