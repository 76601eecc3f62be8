import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import { seedOne, testSettler } from "../../../test/support/delivery-worker.ts";
import { type ClaimedDelivery, claimDeliveries } from "../../store/index.ts";

interface TicketState {
	external_ref: string | null;
	updated_at: Date;
}

describe.each(backends)(
	"settling ticket deliveries on %s",
	(backend: Backend) => {
		const t = useFreshDb(backend);

		const ticket = async (externalRef: string | null = null) => {
			const [row] = await t.db.query<{ id: string }>(
				`insert into plumb.tickets (issue_key, category, priority, subject, opened_at, external_ref)
			 values ('support:x:' || gen_random_uuid(), 'account', 'normal', 'Help', now(), $1)
			 returning id::text`,
				[externalRef],
			);
			if (!row) throw new Error("no ticket");
			return row.id;
		};
		const ticketState = async (id: string) =>
			(
				await t.db.query<TicketState>(
					"select external_ref, updated_at from plumb.tickets where id = $1",
					[id],
				)
			)[0];
		const createTicket = async (ticketId: string) => {
			await seedOne(t.db, {
				destination: "zendesk",
				action: "create_ticket",
				key: `zendesk:create_ticket:${ticketId}`,
				payload: { ticket_id: ticketId },
			});
			const [claimed] = await claimDeliveries(
				t.db,
				[{ destination: "zendesk", limit: 1 }],
				60_000,
			);
			if (!claimed) throw new Error("nothing claimed");
			return claimed;
		};
		/** Settles `delivery` as a success under `token`; returns the warnings logged. */
		const settleSuccess = async (
			delivery: ClaimedDelivery,
			ref: string,
			token = delivery.attempts,
		) => {
			const { settler, lines } = testSettler(t.db);
			await settler.submit({
				delivery,
				outcome: { kind: "ok", externalRef: ref },
				row: {
					id: delivery.id,
					token,
					status: "succeeded",
					delayMs: null,
					error: null,
					httpStatus: 201,
					externalRef: ref,
					outcome: "succeeded",
					permanent: false,
					startedAt: new Date(),
					latencyMs: 4,
				},
			});
			return lines.filter((line) => line.includes('"level":"warn"'));
		};
		const deliveryStatus = async (id: string) =>
			(
				await t.db.query<{ status: string }>(
					"select status from plumb.deliveries where id = $1",
					[id],
				)
			)[0]?.status;

		it("a settled successful create_ticket records the ticket's helpdesk id; other tickets stay as they were", async () => {
			const id = await ticket();
			const other = await ticket();
			const before = await ticketState(other);
			const claimed = await createTicket(id);
			expect(await settleSuccess(claimed, "zd_101")).toEqual([]);
			expect(await deliveryStatus(claimed.id)).toBe("succeeded");
			expect((await ticketState(id))?.external_ref).toBe("zd_101");
			expect(await ticketState(other)).toEqual(before);
		});

		it("a fenced-off settle (stale token) records nothing", async () => {
			const id = await ticket();
			const before = await ticketState(id);
			const claimed = await createTicket(id);
			const warnings = await settleSuccess(
				claimed,
				"zd_late",
				claimed.attempts - 1,
			);
			expect(warnings).toHaveLength(1);
			expect(await deliveryStatus(claimed.id)).toBe("running");
			expect(await ticketState(id)).toEqual(before);
		});

		it("an unchanged ref is not rewritten; a ticket id that is not a uuid is passed over without failing the settle", async () => {
			const id = await ticket("zd_7");
			const before = await ticketState(id);
			const claimed = await createTicket(id);
			expect(await settleSuccess(claimed, "zd_7")).toEqual([]);
			expect(await ticketState(id)).toEqual(before);

			const odd = await createTicket("not-a-uuid");
			expect(await settleSuccess(odd, "zd_8")).toEqual([]);
			expect(await deliveryStatus(odd.id)).toBe("succeeded");
			expect(await ticketState(id)).toEqual(before);
		});
	},
);
