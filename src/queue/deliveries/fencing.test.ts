import { describe, expect, it } from "vitest";
import { waitFor } from "../../../test/support/child.ts";
import { type Backend, backends } from "../../../test/support/db.ts";
import {
	deliveryStates,
	queueFixture,
	seedDeliveries,
	startTestWorker,
	statusCounts,
	testSettings,
} from "../../../test/support/delivery-worker.ts";
import { standInConnector } from "../../../test/support/stand-in.ts";
import {
	type ClaimedDelivery,
	claimDeliveries,
	recoverExpiredLeases,
	type SettleRow,
	settleDeliveries,
} from "../../store/index.ts";

const succeeded = (claimed: ClaimedDelivery, ref: string): SettleRow => ({
	id: claimed.id,
	token: claimed.attempts,
	status: "succeeded",
	delayMs: null,
	error: null,
	httpStatus: 200,
	externalRef: ref,
	outcome: "succeeded",
	permanent: false,
	startedAt: new Date(),
	latencyMs: 5,
});

describe.each(backends)("leases and fencing on %s", (backend: Backend) => {
	const t = queueFixture(backend);
	const claimOne = async (leaseMs: number) => {
		const [claimed] = await claimDeliveries(
			t.testDb.db,
			[{ destination: "zendesk", limit: 1 }],
			leaseMs,
		);
		if (!claimed) throw new Error("nothing claimed");
		return claimed;
	};

	it("a settle with an old token is refused and changes nothing; a success is never overwritten", async () => {
		await seedDeliveries(t.testDb.db, 1);
		const first = await claimOne(30);
		expect(first.attempts).toBe(1);
		expect(
			await claimDeliveries(
				t.testDb.db,
				[{ destination: "zendesk", limit: 5 }],
				30,
			),
		).toEqual([]);
		await new Promise((resolve) => setTimeout(resolve, 80));
		const [recovered] = await t.testDb.db.transaction((tx) =>
			recoverExpiredLeases(tx, 60_000, 10),
		);
		expect(recovered).toMatchObject({ status: "retry_pending", attempts: 1 });
		const second = await claimOne(60_000);
		expect(second.attempts).toBe(2);

		const before = await deliveryStates(t.testDb.db);
		expect(
			await settleDeliveries(t.testDb.db, [succeeded(first, "late")]),
		).toEqual([]);
		expect(await deliveryStates(t.testDb.db)).toEqual(before);

		expect(
			await settleDeliveries(t.testDb.db, [succeeded(second, "ref_2")]),
		).toHaveLength(1);
		expect(
			await settleDeliveries(t.testDb.db, [succeeded(second, "again")]),
		).toEqual([]);
		expect(
			await t.testDb.db.transaction((tx) =>
				recoverExpiredLeases(tx, 60_000, 10),
			),
		).toEqual([]);
		expect((await deliveryStates(t.testDb.db))[0]).toMatchObject({
			status: "succeeded",
			attempts: 2,
			external_ref: "ref_2",
		});
		const attempts = await t.testDb.db.query<{
			attempt: number;
			outcome: string;
		}>("select attempt, outcome from plumb.delivery_attempts order by attempt");
		expect(attempts).toEqual([
			{ attempt: 1, outcome: "fenced" },
			{ attempt: 2, outcome: "succeeded" },
		]);
	});

	it("a worker takes back a lease whose holder went quiet within 2 × lease, and finishes the delivery", async () => {
		await seedDeliveries(t.testDb.db, 3);
		// Long enough that scheduling noise on a loaded 2-core machine stays well inside the 2 × bound,
		// and that the retaking worker's own lease outlives its call (else a third attempt is right).
		const leaseMs = 3_000;
		const claimedAt = Date.now();
		// A worker that claimed and then died: nobody settles these.
		expect(
			await claimDeliveries(
				t.testDb.db,
				[{ destination: "zendesk", limit: 3 }],
				leaseMs,
			),
		).toHaveLength(3);
		t.worker = await startTestWorker(t.testDb, {
			connectors: { zendesk: standInConnector("zendesk", t.standIn.url) },
			settings: testSettings({ leaseMs, timeoutMs: 1_000 }),
		});
		await waitFor(() => t.standIn.requests.length === 3);
		const firstRetake = Math.min(...t.standIn.requests.map((r) => r.at));
		expect(firstRetake - claimedAt).toBeGreaterThanOrEqual(leaseMs - 50);
		expect(
			Math.max(...t.standIn.requests.map((r) => r.at)) - claimedAt,
		).toBeLessThanOrEqual(2 * leaseMs);
		await waitFor(
			async () => (await statusCounts(t.testDb.db)).succeeded === 3,
		);
		for (const d of await deliveryStates(t.testDb.db))
			expect(d.attempts).toBe(2);
		const recovered = await t.worker.metrics.registry.getSingleMetricAsString(
			"plumb_delivery_leases_recovered_total",
		);
		expect(recovered).toContain('destination="zendesk"} 3');
	});
});
