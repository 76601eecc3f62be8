/**
 * Recording what the rules decided for one event: the merge its read proved, the state patch, the
 * deliveries, alerts and timeline entries, into the workspace and its list of changes. No decisions
 * here: a merge keeps the record `readEvent` put first, and every value comes from the decision.
 */
import {
	type Decision,
	preferredRef,
	type StatePatch,
} from "../../rules/index.ts";
import type { ClaimedEvent } from "../../store/index.ts";
import type { EventRead } from "./event-input.ts";
import type { EventKeys } from "./event-keys.ts";
import { live, type Payment, putPayment, type Workspace } from "./workspace.ts";

/** Returns the id of the customer the event was about (the survivor of any merge), or null. */
export function recordDecision(
	workspace: Workspace,
	event: ClaimedEvent,
	keys: EventKeys,
	read: EventRead,
	decision: Decision,
): string | null {
	const customerId =
		read.found.length > 0 ? recordCustomer(workspace, keys, read) : null;
	const paymentId = recordPatch(
		workspace,
		event,
		customerId,
		read.matching,
		decision.patch,
	);
	recordFailure(workspace, event, customerId, paymentId, decision.patch);
	const { changes } = workspace;
	for (const intent of decision.deliveries) {
		if (!customerId) continue;
		if (intent.action !== "crm_sync")
			changes.deliveries.push({ intent, customerId, eventId: event.id });
		else if (!changes.crmSyncs.has(customerId))
			changes.crmSyncs.set(customerId, event.id);
	}
	for (const alert of decision.alerts)
		changes.alerts.push({ alert, customerId, eventId: event.id });
	for (const entry of decision.timeline)
		changes.timeline.push({
			customerId,
			eventId: event.id,
			occurredAt: event.occurred_at,
			...entry,
		});
	changes.processed.push({ id: event.id, customerId });
	return customerId;
}

/** A new customer, the records merged into the survivor, and the identities the event proved. */
function recordCustomer(
	workspace: Workspace,
	keys: EventKeys,
	read: EventRead,
): string {
	const [survivor, ...merged] = read.found;
	if (!survivor) throw new Error("no customer to record");
	const { changes } = workspace;
	if (!workspace.customers.has(survivor.id)) {
		workspace.customers.set(survivor.id, survivor);
		changes.newCustomers.push(survivor.id);
	}
	for (const loser of merged) {
		workspace.redirects.set(loser.id, survivor.id);
		changes.merges.push({ survivor: survivor.id, merged: loser.id });
	}
	for (const identity of keys.identities) {
		const key = `${identity.kind}:${identity.value}`;
		if (workspace.owners.get(key) !== survivor.id) {
			workspace.owners.set(key, survivor.id);
			changes.identities.set(key, { ...identity, customerId: survivor.id });
		}
	}
	return survivor.id;
}

/** Customer, payment (folding the payments found to be one), subscriptions and tickets; returns the payment id. */
function recordPatch(
	workspace: Workspace,
	event: ClaimedEvent,
	customerId: string | null,
	matching: readonly Payment[],
	patch: StatePatch,
): string | null {
	const { changes } = workspace;
	if (customerId && patch.customer) {
		const customer = workspace.customers.get(customerId);
		if (customer) {
			customer.fields = patch.customer.fields;
			customer.derived = patch.customer.derived;
			changes.customers.add(customerId);
		}
	}
	let paymentId: string | null = null;
	if (patch.payment) {
		const [keep, ...folded] = [...matching].sort(
			(a, b) =>
				a.state.firstSeenAt.getTime() - b.state.firstSeenAt.getTime() ||
				(a.id < b.id ? -1 : 1),
		);
		paymentId = keep?.id ?? workspace.deps.newId();
		for (const gone of folded) {
			workspace.payments.delete(gone.id);
			changes.payments.delete(gone.id);
			changes.foldedPayments.push({ from: gone.id, into: paymentId });
		}
		const owner = customerId ?? keep?.customerId ?? null;
		putPayment(workspace, {
			id: paymentId,
			customerId: owner,
			state: patch.payment,
		});
		changes.payments.add(paymentId);
		const known = owner ? workspace.latest.get(owner) : undefined;
		if (owner && (!known || patch.payment.firstSeenAt >= known.at))
			workspace.latest.set(owner, {
				ref: preferredRef(patch.payment.refs),
				at: patch.payment.firstSeenAt,
			});
	}
	for (const state of patch.subscriptions) {
		const known = workspace.subscriptions.get(state.ref);
		workspace.subscriptions.set(state.ref, {
			customerId: customerId ?? known?.customerId ?? null,
			state,
		});
		changes.subscriptions.add(state.ref);
	}
	for (const close of patch.ticketsToClose) {
		for (const ticket of workspace.tickets) {
			if (
				ticket.status === "open" &&
				((close.externalRef && ticket.externalRef === close.externalRef) ||
					(close.issueKey && ticket.issueKey === close.issueKey))
			)
				ticket.status = "closed";
		}
		changes.ticketsToClose.push(close);
	}
	if (customerId)
		for (const ticket of patch.ticketsToOpen) {
			workspace.tickets.push({
				id: ticket.id,
				customerId,
				issueKey: ticket.issueKey,
				category: ticket.category,
				openedAt: event.occurred_at,
				status: "open",
			});
			changes.ticketsToOpen.push({
				ticket,
				customerId,
				eventId: event.id,
				openedAt: event.occurred_at,
			});
		}
	return paymentId;
}

function recordFailure(
	workspace: Workspace,
	event: ClaimedEvent,
	customerId: string | null,
	paymentId: string | null,
	patch: StatePatch,
): void {
	if (!customerId || !patch.failure) return;
	const { attemptRef, at } = patch.failure;
	// One attempt reported twice keeps its earliest time, as the rules do (order-independence).
	const known = workspace.failures.find(
		(f) =>
			live(workspace, f.customerId) === customerId &&
			f.attemptRef === attemptRef,
	);
	if (!known) workspace.failures.push({ customerId, attemptRef, at });
	else if (at < known.at) known.at = at;
	workspace.changes.failures.push({
		customerId,
		attemptRef,
		at,
		reason: patch.failure.reason,
		paymentId,
		eventId: event.id,
	});
}
