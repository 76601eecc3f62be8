/**
 * The workspace: a batch's business state in memory, loaded once, with the lookups every event needs
 * (who an identity, payment or subscription belongs to, and where merged records went) and the
 * changes to write back. Events are decided against it one by one (`decide-event.ts`), so the batch
 * is written with a few set-based statements (`batch-flush.ts`).
 */
import type {
	CustomerFields,
	DerivedPlan,
	PaymentState,
	PlanCatalog,
	SubscriptionState,
} from "../../rules/index.ts";
import { preferredRef } from "../../rules/index.ts";
import type {
	OwnedFailure,
	OwnedTicket,
	StoredCustomer,
	StoredPayment,
} from "../../store/index.ts";
import { emptyChanges, type WorkspaceChanges } from "./workspace-changes.ts";

export interface LoadedState {
	identities: Array<{ kind: string; value: string; customerId: string }>;
	customers: StoredCustomer[];
	/** Merged-away id → survivor, for rows that still point at a merged record. */
	redirects: Map<string, string>;
	payments: StoredPayment[];
	subscriptions: OwnedSubscription[];
	failures: OwnedFailure[];
	tickets: OwnedTicket[];
	latestPayments: Array<{
		customerId: string;
		refs: string[];
		firstSeenAt: Date;
	}>;
}

export interface WorkspaceDeps {
	plans: PlanCatalog;
	publicUrl: string;
	/** Time-ordered ids for rows created here (customers, payments, tickets). */
	newId: () => string;
	/** The worker's clock, for rows created here. */
	now: () => number;
}

export interface Customer {
	id: string;
	fields: CustomerFields;
	derived: DerivedPlan;
	createdAt: Date;
}

export interface Payment {
	id: string;
	customerId: string | null;
	state: PaymentState;
}

export interface OwnedSubscription {
	customerId: string | null;
	state: SubscriptionState;
}

export interface Workspace {
	readonly deps: WorkspaceDeps;
	/** What the batch changed so far, written back by `flushBatch`. */
	readonly changes: WorkspaceChanges;
	/** "kind:value" → the customer the identity belongs to. */
	readonly owners: Map<string, string>;
	readonly customers: Map<string, Customer>;
	/** Merged-away customer id → the one it was merged into. */
	readonly redirects: Map<string, string>;
	readonly payments: Map<string, Payment>;
	/** Payment reference → the id of the payment it names. */
	readonly refOwners: Map<string, string>;
	/** By subscription ref. */
	readonly subscriptions: Map<string, OwnedSubscription>;
	readonly failures: OwnedFailure[];
	readonly tickets: OwnedTicket[];
	/** Customer id → their latest payment, for ticket context. */
	readonly latest: Map<string, { ref: string | undefined; at: Date }>;
	/** Event id → the id minted for the new customer it names, so a retried read never mints two. */
	readonly minted: Map<string, string>;
}

export function openWorkspace(
	loaded: LoadedState,
	deps: WorkspaceDeps,
): Workspace {
	const workspace: Workspace = {
		deps,
		changes: emptyChanges(),
		owners: new Map(
			loaded.identities.map((i) => [`${i.kind}:${i.value}`, i.customerId]),
		),
		customers: new Map(
			loaded.customers.map((c) => [
				c.id,
				{
					id: c.id,
					fields: c.fields,
					derived: c.derived,
					createdAt: c.createdAt,
				},
			]),
		),
		redirects: new Map(loaded.redirects),
		payments: new Map(),
		refOwners: new Map(),
		subscriptions: new Map(loaded.subscriptions.map((s) => [s.state.ref, s])),
		failures: [...loaded.failures],
		tickets: [...loaded.tickets],
		latest: new Map(
			loaded.latestPayments.map((l) => [
				l.customerId,
				{ ref: preferredRef(l.refs), at: l.firstSeenAt },
			]),
		),
		minted: new Map(),
	};
	for (const p of loaded.payments)
		putPayment(workspace, {
			id: p.id,
			customerId: p.customerId,
			state: p.state,
		});
	return workspace;
}

/** Follows merges to the record that survives. */
export function live(workspace: Workspace, customerId: string): string {
	let id = customerId;
	for (let hops = 0; hops < 20; hops++) {
		const next = workspace.redirects.get(id);
		if (!next) return id;
		id = next;
	}
	return id;
}

/** Payments any of these references names (after folds). */
export function matchingPayments(
	workspace: Workspace,
	refs: readonly string[],
): Payment[] {
	const found = new Map<string, Payment>();
	for (const ref of refs) {
		const id = workspace.refOwners.get(ref);
		const payment = id ? workspace.payments.get(id) : undefined;
		if (payment) found.set(payment.id, payment);
	}
	return [...found.values()];
}

export function putPayment(workspace: Workspace, payment: Payment): void {
	workspace.payments.set(payment.id, payment);
	for (const ref of payment.state.refs)
		workspace.refOwners.set(ref, payment.id);
}

/** The rows to write, with merged-away customers resolved to their survivors. */
export function paymentRow(
	workspace: Workspace,
	id: string,
): Payment | undefined {
	const payment = workspace.payments.get(id);
	return (
		payment && {
			...payment,
			customerId: payment.customerId
				? live(workspace, payment.customerId)
				: null,
		}
	);
}

export function customerRow(
	workspace: Workspace,
	id: string,
): Customer | undefined {
	return workspace.redirects.has(id) ? undefined : workspace.customers.get(id);
}

export function subscriptionRow(
	workspace: Workspace,
	ref: string,
): OwnedSubscription | undefined {
	const sub = workspace.subscriptions.get(ref);
	return (
		sub && {
			...sub,
			customerId: sub.customerId ? live(workspace, sub.customerId) : null,
		}
	);
}
