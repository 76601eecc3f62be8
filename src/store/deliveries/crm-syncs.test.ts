import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import {
	seedCustomer,
	seedSync,
} from "../../../test/support/delivery-worker.ts";
import { insertDeliveryRow } from "../../../test/support/rows.ts";
import {
	insertCrmSyncs,
	skipSupersededCrmSyncs,
	waitingCrmSyncs,
} from "./crm-syncs.ts";

describe.each(backends)("CRM sync rows on %s", (backend: Backend) => {
	const t = useFreshDb(backend);
	const customer = () => seedCustomer(t.db);
	const sync = (key: string, customerId: string, status?: string) =>
		seedSync(t.db, { key, customerId, status });
	const rows = () =>
		t.db.query<{
			key: string;
			status: string;
			last_error: string | null;
		}>(
			`select idempotency_key as key, status, last_error from plumb.deliveries
			 order by idempotency_key`,
		);

	it("finds the CRM sync waiting for each customer, except the ones named", async () => {
		const [a, b, c] = [await customer(), await customer(), await customer()];
		const waitingA = await sync("a", a);
		const waitingB = await sync("b", b, "retry_pending");
		await sync("c", c, "running");
		const waiting = await waitingCrmSyncs(t.db, [a, b, c], [waitingB]);
		expect([...waiting]).toEqual([[a, waitingA]]);
		expect(await waitingCrmSyncs(t.db, [], [])).toEqual(new Map());
	});

	it("inserts one waiting sync per customer: a second key for a customer with one waiting, or a known key, adds nothing", async () => {
		const [a, b] = [await customer(), await customer()];
		const eventId = "0190f2f4-0000-7000-8000-000000000001";
		expect(
			await insertCrmSyncs(t.db, [
				{ idempotencyKey: "a:1", customerId: a, eventId },
				{ idempotencyKey: "b:1", customerId: b, eventId },
			]),
		).toBe(2);
		expect(
			await insertCrmSyncs(t.db, [
				{ idempotencyKey: "a:2", customerId: a, eventId },
				{ idempotencyKey: "b:1", customerId: b, eventId },
			]),
		).toBe(0);
		expect(await insertCrmSyncs(t.db, [])).toBe(0);
		expect(await rows()).toEqual([
			{ key: "a:1", status: "pending", last_error: null },
			{ key: "b:1", status: "pending", last_error: null },
		]);
	});

	it("skips a superseded sync that is dead or already skipped, naming the newer one; a succeeded or running one stays", async () => {
		const a = await customer();
		const waiting = await sync("waiting", a);
		const dead = (
			await insertDeliveryRow(t.db, "dead", {
				destination: "hubspot",
				action: "crm_sync",
				customer_id: a,
				status: "dead",
				dead_at: new Date(),
			})
		).id;
		const skippedBefore = await sync("skipped", a, "skipped");
		const running = await sync("running", a, "running");
		const done = await sync("done", a, "succeeded");
		const changed = await skipSupersededCrmSyncs(t.db, [
			{ id: dead, by: waiting },
			{ id: skippedBefore, by: waiting },
			{ id: running, by: waiting },
			{ id: done, by: waiting },
		]);
		expect(changed.sort()).toEqual([dead, skippedBefore].sort());
		const superseded = {
			status: "skipped",
			last_error: `superseded by ${waiting}`,
		};
		expect(await rows()).toEqual([
			{ key: "dead", ...superseded },
			{ key: "done", status: "succeeded", last_error: null },
			{ key: "running", status: "running", last_error: null },
			{ key: "skipped", ...superseded },
			{ key: "waiting", status: "pending", last_error: null },
		]);
		const [deadAfter] = await t.db.query<{ dead_at: Date | null }>(
			"select dead_at from plumb.deliveries where id = $1",
			[dead],
		);
		expect(deadAfter?.dead_at).toBeNull();
		expect(await skipSupersededCrmSyncs(t.db, [])).toEqual([]);
	});
});
