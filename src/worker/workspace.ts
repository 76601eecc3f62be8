/**
 * The workspace: a batch's business state in memory. Each event is resolved to a customer (merging
 * records it proves are one person), handed to the pure rules, and its decision recorded, so the
 * batch is written back with a few set-based statements. `apply` reads everything first and changes
 * nothing until the rules have decided: an event whose rules throw leaves the workspace untouched.
 */
import {
	type CustomerFields,
	decide,
	mergeCustomerFields,
	mergePayments,
	type PaymentState,
	preferredRef,
	type RuleOutput,
} from "../rules/index.ts";
import type { ClaimedEvent } from "../store/index.ts";
import type { EventKeys } from "./event-keys.ts";
import {
	type Customer,
	type Payment,
	WorkspaceState,
} from "./workspace-state.ts";

export type { LoadedState, WorkspaceDeps } from "./workspace-state.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
const PLAN_TYPES = new Set([
	"payment_succeeded",
	"payment_failed",
	"subscription_updated",
	"subscription_canceled",
	"refund_issued",
	"dispute_opened",
]);

export class Workspace extends WorkspaceState {
	/** Applies one event; returns the customer it was about and the rules' decision. */
	apply(
		event: ClaimedEvent,
		keys: EventKeys,
	): { customerId: string | null; output: RuleOutput } {
		const at = event.occurred_at;
		// 1. Read: who this is, and everything the rules need. Nothing changes yet.
		const found = this.resolve(event, keys);
		const ids = found.map((c) => c.id);
		const survivor = found[0];
		const matching = this.matchingPayments(keys.refs);
		const fields = found.reduce<CustomerFields>(
			(acc, c) => mergeCustomerFields(acc, c.fields),
			{},
		);
		const subscriptions = [...this.subscriptions.values()]
			.filter(
				(s) =>
					(s.customerId !== null && ids.includes(this.live(s.customerId))) ||
					s.state.ref === keys.subscriptionRef,
			)
			.map((s) => s.state);
		const output = decide({
			event: {
				id: event.id,
				type: event.type,
				source: event.source,
				externalId: event.external_id,
				occurredAt: at,
				data: keys.data,
			},
			customer: survivor
				? { id: survivor.id, fields, derived: survivor.derived }
				: undefined,
			payment: matching.reduce<PaymentState | undefined>(
				(a, p) => (a ? mergePayments(a, p.state) : p.state),
				undefined,
			),
			subscriptions,
			keepDerivedPlan:
				survivor !== undefined &&
				found.length === 1 &&
				!PLAN_TYPES.has(event.type),
			failures: this.failures.filter((f) =>
				ids.includes(this.live(f.customerId)),
			),
			openTickets: this.tickets.filter(
				(t) =>
					t.status === "open" &&
					((t.customerId !== null && ids.includes(this.live(t.customerId))) ||
						t.issueKey === keys.disputeKey),
			),
			recentBillingKeys: this.tickets
				.filter(
					(t) =>
						t.category === "billing_issue" &&
						t.customerId !== null &&
						ids.includes(this.live(t.customerId)) &&
						t.openedAt.getTime() >= at.getTime() - 60 * DAY_MS,
				)
				.map((t) => t.issueKey),
			latestPaymentRef: ids
				.map((id) => this.latest.get(id))
				.reduce<{ ref: string | undefined; at: Date } | undefined>(
					(a, b) => (!a || (b && b.at > a.at) ? b : a),
					undefined,
				)?.ref,
			plans: this.deps.plans,
			customerUrl: survivor
				? `${this.deps.publicUrl.replace(/\/$/, "")}/admin/customers/${survivor.id}`
				: this.deps.publicUrl,
		});
		// 2. Write: the rules decided, so commit the merge and the decision to the workspace.
		const customerId = survivor
			? this.commitCustomer(event, keys, found)
			: null;
		this.commitOutput(event, customerId, matching, output);
		return { customerId, output };
	}

	protected commitCustomer(
		event: ClaimedEvent,
		keys: EventKeys,
		found: Customer[],
	): string {
		const [survivor, ...losers] = found;
		if (!survivor) throw new Error("no customer to commit");
		if (!this.customers.has(survivor.id)) {
			this.customers.set(survivor.id, survivor);
			this.changes.newCustomers.push(survivor.id);
		}
		for (const loser of losers) {
			this.redirects.set(loser.id, survivor.id);
			this.changes.merges.push({ survivor: survivor.id, merged: loser.id });
			this.changes.timeline.push({
				customerId: survivor.id,
				eventId: event.id,
				occurredAt: event.occurred_at,
				kind: "customer_merged",
				summary: `Merged customer ${loser.id} into this one: the same person`,
				details: {
					merged_id: loser.id,
					proven_by: keys.identities.map((i) => i.kind),
				},
			});
		}
		for (const identity of keys.identities) {
			const key = `${identity.kind}:${identity.value}`;
			if (this.owners.get(key) !== survivor.id) {
				this.owners.set(key, survivor.id);
				this.changes.identities.set(key, {
					...identity,
					customerId: survivor.id,
				});
			}
		}
		return survivor.id;
	}

	protected commitOutput(
		event: ClaimedEvent,
		customerId: string | null,
		matching: Payment[],
		output: RuleOutput,
	): void {
		const changes = this.changes;
		if (customerId && output.customer && output.derived) {
			const customer = this.customers.get(customerId);
			if (customer) {
				customer.fields = output.customer;
				customer.derived = output.derived;
				changes.customers.add(customerId);
			}
		}
		let paymentId: string | null = null;
		if (output.payment) {
			const [keep, ...folded] = [...matching].sort(
				(a, b) =>
					a.state.firstSeenAt.getTime() - b.state.firstSeenAt.getTime() ||
					(a.id < b.id ? -1 : 1),
			);
			paymentId = keep?.id ?? this.deps.newId();
			for (const gone of folded) {
				this.payments.delete(gone.id);
				changes.payments.delete(gone.id);
				changes.foldedPayments.push({ from: gone.id, into: paymentId });
			}
			const owner = customerId ?? keep?.customerId ?? null;
			this.putPayment({
				id: paymentId,
				customerId: owner,
				state: output.payment,
			});
			changes.payments.add(paymentId);
			const known = owner ? this.latest.get(owner) : undefined;
			if (owner && (!known || output.payment.firstSeenAt >= known.at))
				this.latest.set(owner, {
					ref: preferredRef(output.payment.refs),
					at: output.payment.firstSeenAt,
				});
		}
		for (const state of output.subscriptions) {
			const known = this.subscriptions.get(state.ref);
			this.subscriptions.set(state.ref, {
				customerId: customerId ?? known?.customerId ?? null,
				state,
			});
			changes.subscriptions.add(state.ref);
		}
		if (customerId && output.failure) {
			const { attemptRef, at } = output.failure;
			// One attempt reported twice keeps its earliest time, as the rules do (order-independence).
			const known = this.failures.find(
				(f) =>
					this.live(f.customerId) === customerId && f.attemptRef === attemptRef,
			);
			if (!known) this.failures.push({ customerId, attemptRef, at });
			else if (at < known.at) known.at = at;
			changes.failures.push({
				customerId,
				attemptRef,
				at,
				reason: output.failure.reason,
				paymentId,
				eventId: event.id,
			});
		}
		for (const close of output.ticketsToClose) {
			for (const ticket of this.tickets) {
				if (
					ticket.status === "open" &&
					((close.externalRef && ticket.externalRef === close.externalRef) ||
						(close.issueKey && ticket.issueKey === close.issueKey))
				)
					ticket.status = "closed";
			}
			changes.ticketsToClose.push(close);
		}
		if (customerId) {
			for (const request of output.ticketsToOpen) {
				const id = this.deps.newId();
				this.tickets.push({
					id,
					customerId,
					issueKey: request.issueKey,
					category: request.category,
					openedAt: event.occurred_at,
					status: "open",
				});
				changes.ticketsToOpen.push({
					id,
					request,
					customerId,
					eventId: event.id,
					openedAt: event.occurred_at,
				});
			}
			for (const comment of output.comments)
				changes.comments.push({ comment, customerId, eventId: event.id });
			if (
				output.crmSync &&
				output.customer?.email &&
				!changes.crmSyncs.has(customerId)
			)
				changes.crmSyncs.set(customerId, event.id);
		}
		for (const alert of output.alerts)
			changes.alerts.push({ alert, customerId, eventId: event.id });
		changes.timeline.push({
			customerId,
			eventId: event.id,
			occurredAt: event.occurred_at,
			...output.timeline,
		});
		changes.processed.push({ id: event.id, customerId });
	}
}
