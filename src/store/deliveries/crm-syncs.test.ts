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

	it("skips superseded syncs only when they are dead or skipped", async () => {
		const a = await customer();
		const waiting = await sync("waiting", a);
		const dead = await sync("dead", a, "dead");
		const done = await sync("done", a, "succeeded");
		expect(
			await skipSupersededCrmSyncs(t.db, [
				{ id: dead, by: waiting },
				{ id: done, by: waiting },
			]),
		).toEqual([dead]);
		expect(await rows()).toEqual([
			{
				key: "dead",
				status: "skipped",
				last_error: `superseded by ${waiting}`,
			},
			{ key: "done", status: "succeeded", last_error: null },
			{ key: "waiting", status: "pending", last_error: null },
		]);
	});
});
