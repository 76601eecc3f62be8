/** Reading what a batch of events touches: lock every key, then load and lock the rows, in a fixed order. */
import { HISTORY_WINDOW_MS } from "../../rules/index.ts";
import {
	type ClaimedEvent,
	type Db,
	findIdentities,
	loadFailures,
	loadLatestPayments,
	loadSubscriptions,
	loadTickets,
	lockCustomers,
	lockKeys,
	lockPayments,
} from "../../store/index.ts";
import { type EventKeys, lockKeysOf } from "./event-keys.ts";
import type { LoadedState } from "./workspace.ts";

/**
 * Advisory locks on every key first (so a concurrent worker on the same person waits for our commit),
 * then payments and customers FOR UPDATE (so a worker that reached them through other keys waits too),
 * then what hangs off those customers. Every read after a lock sees what the lock holder committed.
 */
export async function loadBatch(
	tx: Db,
	events: ReadonlyArray<{ event: ClaimedEvent; keys: EventKeys }>,
): Promise<LoadedState> {
	const keys = events.map((e) => e.keys);
	await lockKeys(tx, keys.flatMap(lockKeysOf));
	const identities = await findIdentities(
		tx,
		keys.flatMap((k) => k.identities),
	);
	const payments = await lockPayments(tx, [
		...new Set(keys.flatMap((k) => k.refs)),
	]);
	const subscriptionRefs = [
		...new Set(
			keys.flatMap((k) => (k.subscriptionRef ? [k.subscriptionRef] : [])),
		),
	];
	const owners = await loadSubscriptions(tx, [], subscriptionRefs);
	const { customers, redirects } = await lockCustomers(tx, [
		...identities.map((i) => i.customerId),
		...payments.flatMap((p) => (p.customerId ? [p.customerId] : [])),
		...owners.flatMap((s) => (s.customerId ? [s.customerId] : [])),
	]);
	const ids = customers.map((c) => c.id);
	const times = events.map((e) => e.event.occurred_at.getTime());
	const from = new Date(Math.min(...times) - HISTORY_WINDOW_MS);
	const to = new Date(Math.max(...times) + HISTORY_WINDOW_MS);
	return {
		identities,
		customers,
		redirects,
		payments,
		subscriptions:
			ids.length > 0
				? await loadSubscriptions(tx, ids, subscriptionRefs)
				: owners,
		failures: events.some((e) => e.event.type === "payment_failed")
			? await loadFailures(tx, ids, from, to)
			: [],
		tickets: await loadTickets(
			tx,
			ids,
			keys.flatMap((k) => (k.disputeKey ? [k.disputeKey] : [])),
			from,
		),
		latestPayments: await loadLatestPayments(tx, ids),
	};
}
