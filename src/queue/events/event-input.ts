/**
 * Reading one event's state from the workspace: which customers it names (several when it proves they
 * are one person) and everything the rules read about them. Nothing in the workspace changes here,
 * so an event whose rules throw leaves it untouched (ids minted for it are only remembered).
 */
import { SUBSCRIPTION_FOLLOWS_PERSON } from "../../core/index.ts";
import {
	type CustomerFields,
	HISTORY_WINDOW_MS,
	mergeCustomerFields,
	mergePayments,
	type PaymentState,
	type RuleInput,
	survivorFirst,
} from "../../rules/index.ts";
import type { ClaimedEvent } from "../../store/index.ts";
import type { EventKeys } from "./event-keys.ts";
import {
	type Customer,
	live,
	matchingPayments,
	type Payment,
	type Workspace,
} from "./workspace.ts";

export interface EventRead {
	/** The customers the event names, survivor first; empty when it names nobody we can find. */
	found: Customer[];
	/** The payments its references name (several when they turn out to be one). */
	matching: Payment[];
	input: RuleInput;
}

export function readEvent(
	workspace: Workspace,
	event: ClaimedEvent,
	keys: EventKeys,
): EventRead {
	const at = event.occurred_at;
	const { deps } = workspace;
	const found = resolve(workspace, event, keys);
	const ids = found.map((c) => c.id);
	const mine = (customerId: string | null) =>
		customerId !== null && ids.includes(live(workspace, customerId));
	const [survivor, ...merged] = found;
	const matching = matchingPayments(workspace, keys.refs);
	const fields = found.reduce<CustomerFields>(
		(acc, c) => mergeCustomerFields(acc, c.fields),
		{},
	);
	const input: RuleInput = {
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
		merging: {
			ids: merged.map((c) => c.id),
			provenBy: keys.identities.map((i) => i.kind),
		},
		payment: matching.reduce<PaymentState | undefined>(
			(a, p) => (a ? mergePayments(a, p.state) : p.state),
			undefined,
		),
		subscriptions: [...workspace.subscriptions.values()]
			.filter((s) => mine(s.customerId) || s.state.ref === keys.subscriptionRef)
			.map((s) => s.state),
		failures: workspace.failures.filter((f) => mine(f.customerId)),
		openTickets: workspace.tickets.filter(
			(t) =>
				t.status === "open" &&
				(mine(t.customerId) || t.issueKey === keys.disputeKey),
		),
		recentBillingKeys: workspace.tickets
			.filter(
				(t) =>
					t.category === "billing_issue" &&
					mine(t.customerId) &&
					t.openedAt.getTime() >= at.getTime() - HISTORY_WINDOW_MS,
			)
			.map((t) => t.issueKey),
		latestPaymentRef: ids
			.map((id) => workspace.latest.get(id))
			.reduce<{ ref: string | undefined; at: Date } | undefined>(
				(a, b) => (!a || (b && b.at > a.at) ? b : a),
				undefined,
			)?.ref,
		plans: deps.plans,
		customerUrl: survivor
			? `${deps.publicUrl.replace(/\/$/, "")}/admin/customers/${survivor.id}`
			: deps.publicUrl,
		newTicketId: deps.newId(),
	};
	return { found, matching, input };
}

/**
 * The customers this event names, survivor first (the rules' `survivorFirst`), or a new one when it
 * names an identity nobody has yet. The merge itself is recorded after the rules decide.
 */
function resolve(
	workspace: Workspace,
	event: ClaimedEvent,
	keys: EventKeys,
): Customer[] {
	const ids = new Set<string>();
	for (const identity of keys.identities) {
		const owner = workspace.owners.get(`${identity.kind}:${identity.value}`);
		if (owner) ids.add(live(workspace, owner));
	}
	for (const payment of matchingPayments(workspace, keys.refs))
		if (payment.customerId) ids.add(live(workspace, payment.customerId));
	const sub = keys.subscriptionRef
		? workspace.subscriptions.get(keys.subscriptionRef)
		: undefined;
	// A subscription that can change hands (core SUBSCRIPTION_FOLLOWS_PERSON) moves to the person the
	// event names; it finds its owner only when the event names nobody.
	const followsPerson =
		SUBSCRIPTION_FOLLOWS_PERSON.has(event.source) && keys.identities.length > 0;
	if (sub?.customerId && !followsPerson)
		ids.add(live(workspace, sub.customerId));
	const found = [...ids]
		.map((id) => workspace.customers.get(id))
		.filter((c): c is Customer => c !== undefined);
	// A deletion in Stripe of someone Plumb never met is no reason to start a record for them.
	if (
		found.length === 0 &&
		keys.identities.length > 0 &&
		event.type !== "customer_deleted"
	) {
		const id = workspace.minted.get(event.id) ?? workspace.deps.newId();
		workspace.minted.set(event.id, id);
		return [
			{
				id,
				fields: {},
				derived: { tier: "free" },
				createdAt: new Date(workspace.deps.now()),
			},
		];
	}
	return survivorFirst(found);
}
