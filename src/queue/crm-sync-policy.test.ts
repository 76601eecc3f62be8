import { describe, expect, it } from "vitest";
import { type Backend, backends, useFreshDb } from "../../test/support/db.ts";
import { seedCustomer, seedSync } from "../../test/support/delivery-worker.ts";
import type { ClaimedDelivery, SettleRow } from "../store/index.ts";
import {
	enqueueCrmSyncs,
	isWaitingCrmSyncConflict,
	skipSupersededRetries,
	supersededSyncs,
	withCrmSyncRetry,
} from "./crm-sync-policy.ts";

describe.each(backends)("the CRM sync policy on %s", (backend: Backend) => {
	const t = useFreshDb(backend);
	const customer = () => seedCustomer(t.db);
	const delivery = (
		key: string,
		customerId: string | null,
		status: string,
		action?: string,
	) => seedSync(t.db, { key, customerId, status, action });

	it("a newer waiting sync supersedes the others of its customer; else the newest candidate waits", async () => {
		const [a, b] = [await customer(), await customer()];
		const oldA = await delivery("a-old", a, "dead");
		const waitingA = await delivery("a-waiting", a, "pending");
		const b1 = await delivery("b-1", b, "dead");
		const b2 = await delivery("b-2", b, "dead");
		const other = await delivery("other", b, "dead", "notify");
		const nobody = await delivery("nobody", null, "dead");
		const sync = (id: string, customerId: string | null) => ({
			id,
			action: "crm_sync",
			customerId,
		});
		const superseded = await supersededSyncs(t.db, [
			sync(oldA, a),
			sync(b1, b),
			sync(b2, b),
			sync(nobody, null),
			{ id: other, action: "notify", customerId: b },
		]);
		expect(superseded).toEqual(
			new Map([
				[oldA, waitingA],
				[b1, b2],
			]),
		);
		expect(await supersededSyncs(t.db, [])).toEqual(new Map());
	});

	it("settle rows: a sync going back to wait beside a waiting one is skipped; other rows and the items stay as they were", async () => {
		const a = await customer();
		const running = await delivery("a-running", a, "running");
		const waiting = await delivery("a-waiting", a, "pending");
		const base: Omit<SettleRow, "id" | "status" | "outcome"> = {
			token: 1,
			delayMs: 500,
			error: "server error 503",
			httpStatus: 503,
			externalRef: null,
			permanent: false,
			startedAt: new Date(),
			latencyMs: 3,
		};
		const items = [
			{
				id: running,
				status: "retry_pending" as const,
				outcome: "retry" as const,
			},
			{
				id: "0190f2f4-0000-7000-8000-000000000009",
				status: "succeeded" as const,
				outcome: "succeeded" as const,
			},
		].map((row) => ({
			row: { ...base, ...row },
			delivery: {
				id: row.id,
				action: "crm_sync",
				customer_id: a,
			} as ClaimedDelivery,
		}));
		const rows = await skipSupersededRetries(t.db, items);
		expect(rows[0]).toMatchObject({
			status: "skipped",
			delayMs: null,
			error: `superseded by ${waiting}`,
		});
		expect(rows[1]).toEqual(items[1]?.row);
		expect(items[0]?.row.status).toBe("retry_pending");
	});

	it("detects the conflict on the unique index and retries it; other errors and a tenth conflict are thrown", async () => {
		const a = await customer();
		await delivery("a-waiting", a, "pending");
		const dead = await delivery("a-dead", a, "dead");
		const conflict = await t.db
			.query("update plumb.deliveries set status = 'pending' where id = $1", [
				dead,
			])
			.then(
				() => undefined,
				(error: unknown) => error,
			);
		expect(isWaitingCrmSyncConflict(conflict)).toBe(true);
		expect(isWaitingCrmSyncConflict(new Error("boom"))).toBe(false);

		let calls = 0;
		const failingOnce = () =>
			++calls === 1 ? Promise.reject(conflict) : Promise.resolve("done");
		await expect(withCrmSyncRetry(failingOnce)).resolves.toBe("done");
		expect(calls).toBe(2);

		calls = 0;
		await expect(
			withCrmSyncRetry(() => {
				calls++;
				return Promise.reject(new Error("boom"));
			}),
		).rejects.toThrow("boom");
		expect(calls).toBe(1);

		calls = 0;
		await expect(
			withCrmSyncRetry(() => {
				calls++;
				return Promise.reject(conflict);
			}),
		).rejects.toBe(conflict);
		expect(calls).toBe(10);
	});

	it("enqueues one sync per customer, never a second beside one waiting", async () => {
		const [a, b] = [await customer(), await customer()];
		const eventId = "0190f2f4-0000-7000-8000-000000000001";
		const later = "0190f2f4-0000-7000-8000-000000000002";
		expect(
			await enqueueCrmSyncs(t.db, [
				{ customerId: a, eventId },
				{ customerId: b, eventId },
			]),
		).toBe(2);
		expect(
			await enqueueCrmSyncs(t.db, [{ customerId: a, eventId: later }]),
		).toBe(0);
		const keys = await t.db.query<{ idempotency_key: string }>(
			"select idempotency_key from plumb.deliveries order by idempotency_key",
		);
		expect(keys.map((k) => k.idempotency_key).sort()).toEqual(
			[
				`hubspot:crm_sync:${a}:${eventId}`,
				`hubspot:crm_sync:${b}:${eventId}`,
			].sort(),
		);
	});
});
