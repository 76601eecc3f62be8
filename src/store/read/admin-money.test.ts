import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import {
	DAY,
	HOUR,
	insertCustomerRow,
	insertRow,
} from "../../../test/support/rows.ts";
import { uuidAt } from "../db/index.ts";
import { loadMoney } from "./admin-money.ts";

const NOW = Date.parse("2026-12-06T15:00:00Z");
const at = (ms: number) => new Date(NOW - ms);
const WINDOWS = {
	today: new Date("2026-12-06T00:00:00Z"),
	week: at(7 * DAY),
	month: at(30 * DAY),
};

describe.each(backends)("the money view on %s", (backend: Backend) => {
	const t = useFreshDb(backend);

	const payment = (columns: Record<string, unknown>) =>
		insertRow(t.db, "plumb.payments", {
			currency: "usd",
			amount: 2000,
			first_seen_at: columns.first_seen_at,
			status_as_of: columns.status_as_of ?? columns.first_seen_at,
			...columns,
		});

	it("sums payments, revenue, refunds, disputes per currency and window, and counts failures, new and churned customers", async () => {
		const customer = await insertCustomerRow(t.db, {
			id: uuidAt(at(2 * HOUR)),
			created_at: at(2 * HOUR),
		});
		await insertCustomerRow(t.db, {
			id: uuidAt(at(3 * DAY)),
			created_at: at(3 * DAY),
		});
		await insertCustomerRow(t.db, {
			id: uuidAt(at(40 * DAY)),
			created_at: at(40 * DAY),
		});
		// A merged-away record is not a new customer.
		await insertCustomerRow(t.db, {
			id: uuidAt(at(HOUR)),
			merged_into: customer.id,
		});
		await payment({ status: "succeeded", first_seen_at: at(HOUR) });
		await payment({
			status: "refunded",
			amount_refunded: 500,
			first_seen_at: at(2 * DAY),
		});
		await payment({
			status: "dispute_lost",
			first_seen_at: at(10 * DAY),
			status_as_of: at(5 * HOUR),
		});
		await payment({
			status: "succeeded",
			amount: 300,
			currency: "jpy",
			first_seen_at: at(20 * DAY),
		});
		await payment({ status: "failed", first_seen_at: at(HOUR) });
		// Refunded today, paid long ago: a refund today, no payment in any window.
		await payment({
			status: "refunded",
			amount_refunded: 2000,
			first_seen_at: at(60 * DAY),
			status_as_of: at(HOUR),
		});
		await payment({ status: "succeeded", first_seen_at: at(45 * DAY) });
		for (const [ref, ago] of [
			["in_a", HOUR],
			["in_b", 3 * DAY],
			["in_c", 40 * DAY],
		] as const)
			await insertRow(t.db, "plumb.payment_failures", {
				customer_id: customer.id,
				attempt_ref: ref,
				occurred_at: at(ago),
				event_id: uuidAt(at(ago)),
			});
		await insertRow(t.db, "plumb.subscriptions", {
			provider_ref: "sub_gone",
			customer_id: customer.id,
			status: "canceled",
			status_as_of: at(4 * DAY),
		});
		await insertRow(t.db, "plumb.subscriptions", {
			provider_ref: "sub_live",
			customer_id: customer.id,
			status: "active",
			status_as_of: at(HOUR),
		});

		const money = await loadMoney(t.db, WINDOWS);
		const usd = (window: string) =>
			money.byCurrency.find((r) => r.window === window && r.currency === "USD");
		expect(usd("today")).toEqual({
			window: "today",
			currency: "USD",
			payments: 1,
			paid: "2000",
			revenue: "2000",
			refunds: 1,
			refunded: "2000",
			disputes: 1,
			disputesLost: 1,
		});
		expect(usd("week")).toMatchObject({
			payments: 2,
			paid: "4000",
			revenue: "3500",
			refunds: 2,
			refunded: "2500",
			disputes: 1,
		});
		expect(usd("month")).toMatchObject({
			payments: 3,
			paid: "6000",
			revenue: "3500",
		});
		expect(
			money.byCurrency.filter((r) => r.currency === "JPY").map((r) => r.window),
		).toEqual(["month"]);
		expect(money.counts).toEqual([
			{
				window: "today",
				failedPayments: 1,
				newCustomers: 1,
				churnedCustomers: 0,
			},
			{
				window: "week",
				failedPayments: 2,
				newCustomers: 2,
				churnedCustomers: 1,
			},
			{
				window: "month",
				failedPayments: 2,
				newCustomers: 2,
				churnedCustomers: 1,
			},
		]);
		const days = money.daily.map((d) => new Date(d.day).getTime() % DAY);
		expect(new Set(days)).toEqual(new Set([0]));
		expect(money.daily.reduce((sum, d) => sum + d.n, 0)).toBe(5);
	});

	it("answers zeros on an empty database", async () => {
		const money = await loadMoney(t.db, WINDOWS);
		expect(money.byCurrency).toEqual([]);
		expect(money.daily).toEqual([]);
		expect(money.counts.map((c) => c.failedPayments + c.newCustomers)).toEqual([
			0, 0, 0,
		]);
	});
});
