import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import {
	ago,
	DAY,
	insertCustomerRow,
	insertRow,
} from "../../../test/support/rows.ts";
import {
	findIdentities,
	identitiesOf,
	loadFailures,
	loadLatestPayments,
	loadTickets,
	lockCustomers,
	lockKeys,
} from "./state-load.ts";

describe.each(backends)("loading a batch's state on %s", (backend: Backend) => {
	const t = useFreshDb(backend);

	const customer = async (columns: Record<string, unknown> = {}) =>
		(await insertCustomerRow(t.db, columns)).id;
	const identity = (kind: string, value: string, customerId: string) =>
		insertRow(t.db, "plumb.customer_identities", {
			kind,
			value,
			customer_id: customerId,
		});

	it("finds who owns each identity, and every identity of given customers", async () => {
		const ada = await customer();
		const bob = await customer();
		await identity("email", "ada@example.com", ada);
		await identity("app_user_id", "u-1", ada);
		await identity("email", "bob@example.com", bob);

		const found = await findIdentities(t.db, [
			{ kind: "email", value: "ada@example.com" },
			{ kind: "app_user_id", value: "ada@example.com" },
			{ kind: "email", value: "bob@example.com" },
		]);
		expect(found.map((i) => [i.kind, i.value, i.customerId]).sort()).toEqual([
			["email", "ada@example.com", ada],
			["email", "bob@example.com", bob],
		]);
		const all = await identitiesOf(t.db, [ada]);
		expect(all.map((i) => `${i.kind}:${i.value}`).sort()).toEqual([
			"app_user_id:u-1",
			"email:ada@example.com",
		]);
		expect(all.every((i) => i.customerId === ada)).toBe(true);
		expect(await identitiesOf(t.db, [])).toEqual([]);
		expect(await findIdentities(t.db, [])).toEqual([]);
	});

	it("locks customers through a chain of merges to the survivor, remembering each redirect", async () => {
		const survivor = await customer({ name: "Ada", name_as_of: ago(DAY) });
		const middle = await customer({ merged_into: survivor });
		const first = await customer({ merged_into: middle });
		const other = await customer();

		const { customers, redirects } = await t.db.transaction((tx) =>
			lockCustomers(tx, [first, other, first]),
		);
		expect(customers.map((c) => c.id).sort()).toEqual([survivor, other].sort());
		expect(customers.find((c) => c.id === survivor)?.fields.name?.value).toBe(
			"Ada",
		);
		expect([...redirects.entries()].sort()).toEqual(
			[
				[first, middle],
				[middle, survivor],
			].sort(),
		);
		await t.db.transaction((tx) => lockKeys(tx, ["a", "b", "a"]));
		await t.db.transaction((tx) => lockKeys(tx, []));
	});

	it("loads open tickets by customer or issue key, and billing tickets since a time", async () => {
		const ada = await customer();
		const bob = await customer();
		const ticket = (
			key: string,
			columns: Record<string, unknown>,
		): Promise<{ id: string }> =>
			insertRow(t.db, "plumb.tickets", {
				issue_key: key,
				category: "bug",
				priority: "normal",
				subject: key,
				opened_at: new Date(),
				...columns,
			});
		await ticket("support:ada:bug", { customer_id: ada, external_ref: "9" });
		await ticket("support:ada:old", { customer_id: ada, status: "closed" });
		await ticket("billing:ada:recent", {
			customer_id: ada,
			category: "billing_issue",
			status: "closed",
			opened_at: ago(DAY),
		});
		await ticket("billing:ada:ancient", {
			customer_id: ada,
			category: "billing_issue",
			status: "closed",
			opened_at: ago(90 * DAY),
		});
		await ticket("support:bob:bug", { customer_id: bob });
		await ticket("dispute:dp_1", { customer_id: null, category: "dispute" });

		const keys = async (customers: string[], issueKeys: string[]) =>
			(await loadTickets(t.db, customers, issueKeys, ago(30 * DAY)))
				.map((row) => `${row.issueKey}:${row.status}`)
				.sort();
		expect(await keys([ada], ["dispute:dp_1"])).toEqual([
			"billing:ada:recent:closed",
			"dispute:dp_1:open",
			"support:ada:bug:open",
		]);
		expect(await keys([bob], [])).toEqual(["support:bob:bug:open"]);
		expect(await keys([], [])).toEqual([]);
		const [open] = await loadTickets(t.db, [ada], [], new Date());
		expect(open).toMatchObject({
			customerId: ada,
			issueKey: "support:ada:bug",
			category: "bug",
			externalRef: "9",
			status: "open",
		});
	});

	it("each customer's latest payment with all its references, and failures within a window", async () => {
		const ada = await customer();
		const bob = await customer();
		const payment = async (customerId: string, seen: Date, refs: string[]) => {
			const { id } = await insertRow(t.db, "plumb.payments", {
				customer_id: customerId,
				status: "succeeded",
				first_seen_at: seen,
				status_as_of: seen,
			});
			for (const ref of refs)
				await insertRow(t.db, "plumb.payment_refs", { ref, payment_id: id });
			return id;
		};
		await payment(ada, ago(3 * DAY), ["in_old"]);
		await payment(ada, ago(DAY), ["pi_new", "in_new"]);
		await payment(bob, ago(2 * DAY), ["in_bob"]);

		const latest = await loadLatestPayments(t.db, [ada, bob]);
		expect(
			latest.map((l) => [l.customerId === ada ? "ada" : "bob", l.refs]).sort(),
		).toEqual([
			["ada", ["in_new", "pi_new"]],
			["bob", ["in_bob"]],
		]);
		expect(await loadLatestPayments(t.db, [])).toEqual([]);

		const failure = (customerId: string, ref: string, at: Date) =>
			insertRow(t.db, "plumb.payment_failures", {
				customer_id: customerId,
				attempt_ref: ref,
				occurred_at: at,
				event_id: "00000000-0000-0000-0000-000000000001",
			});
		await failure(ada, "in_1:1", ago(2 * DAY));
		await failure(ada, "in_1:2", ago(40 * DAY));
		await failure(bob, "in_2:1", ago(DAY));
		const failures = await loadFailures(t.db, [ada], ago(30 * DAY), new Date());
		expect(failures.map((f) => [f.customerId, f.attemptRef])).toEqual([
			[ada, "in_1:1"],
		]);
		expect(await loadFailures(t.db, [], ago(DAY), new Date())).toEqual([]);
	});
});
