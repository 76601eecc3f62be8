import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import { appEvent, count, one } from "../../../test/support/state.ts";
import { drainEvents } from "../../../test/support/worker.ts";
import type { EventData } from "../../core/index.ts";

const ada = { email: "ada@example.com", stripe_customer_id: "cus_1" };
const payment = (refs: string[], amount?: number): EventData => ({
	customer: ada,
	payment: { refs, amount, currency: "usd" },
});

describe.each(backends)(
	"payments found to be one on %s",
	(backend: Backend) => {
		const t = useFreshDb(backend);

		const payments = () =>
			t.db.query<{ id: string; status: string; refs: string[] }>(
				`select p.id, p.status, array_agg(r.ref order by r.ref) as refs
			 from plumb.payments p join plumb.payment_refs r on r.payment_id = p.id
			 group by p.id order by p.first_seen_at`,
			);

		it("two stored payments that a later event names together fold into the older one, and the newer one's failures follow it", async () => {
			await appEvent(t.db, "payment_failed", payment(["in_1"], 2000), 10);
			await drainEvents(t.db);
			await appEvent(t.db, "payment_succeeded", payment(["pi_1"], 2000), 20);
			await drainEvents(t.db);
			const [older, newer] = await payments();
			expect([older?.refs, newer?.refs]).toEqual([["in_1"], ["pi_1"]]);
			const failures = await t.db.query<{ payment_id: string }>(
				"select payment_id from plumb.payment_failures",
			);

			await appEvent(
				t.db,
				"payment_succeeded",
				payment(["in_1", "pi_1"], 2000),
				30,
			);
			expect(await drainEvents(t.db)).toBe(1);

			expect(await payments()).toEqual([
				{ id: older?.id, status: "succeeded", refs: ["in_1", "pi_1"] },
			]);
			expect(
				await count(t.db, "select * from plumb.payments where id = $1", [
					newer?.id,
				]),
			).toBe(0);
			// Whatever failures the older one had still point at a payment that exists.
			expect(
				await t.db.query<{ payment_id: string }>(
					"select payment_id from plumb.payment_failures",
				),
			).toEqual(failures.map(() => ({ payment_id: older?.id })));
			const customer = await one<{ last_payment_status: string }>(
				t.db,
				"select last_payment_status from plumb.customers",
			);
			expect(customer.last_payment_status).toBe("paid");
		});
	},
);
