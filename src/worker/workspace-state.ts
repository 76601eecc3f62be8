/**
 * The workspace's memory: a batch's business state, loaded once, with the lookups every event needs —
 * who an identity, payment or subscription belongs to, and where merged records went.
 */
import type {
	CustomerFields,
	DerivedPlan,
	PaymentState,
	PlanCatalog,
	SubscriptionState,
} from "../rules/index.ts";
import { preferredRef } from "../rules/index.ts";
import type {
	ClaimedEvent,
	OwnedFailure,
	OwnedTicket,
	StoredCustomer,
	StoredPayment,
} from "../store/index.ts";
import type { EventKeys } from "./event-keys.ts";
import { emptyChanges, type WorkspaceChanges } from "./workspace-changes.ts";

export interface LoadedState {
	identities: Array<{ kind: string; value: string; customerId: string }>;
	customers: StoredCustomer[];
	/** Merged-away id → survivor, for rows that still point at a merged record. */
	redirects: Map<string, string>;
	payments: StoredPayment[];
	subscriptions: Array<{ customerId: string | null; state: SubscriptionState }>;
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

export class WorkspaceState {
	readonly changes: WorkspaceChanges = emptyChanges();
	protected readonly owners = new Map<string, string>();
	protected readonly customers = new Map<string, Customer>();
	protected readonly redirects: Map<string, string>;
	protected readonly payments = new Map<string, Payment>();
	protected readonly refOwners = new Map<string, string>();
	protected readonly subscriptions = new Map<
		string,
		{ customerId: string | null; state: SubscriptionState }
	>();
	protected failures: OwnedFailure[];
	protected readonly tickets: OwnedTicket[];
	protected readonly latest = new Map<
		string,
		{ ref: string | undefined; at: Date }
	>();

	protected readonly deps: WorkspaceDeps;

	constructor(loaded: LoadedState, deps: WorkspaceDeps) {
		this.deps = deps;
		this.redirects = new Map(loaded.redirects);
		for (const c of loaded.customers)
			this.customers.set(c.id, {
				id: c.id,
				fields: c.fields,
				derived: c.derived,
				createdAt: c.createdAt,
			});
		for (const i of loaded.identities)
			this.owners.set(`${i.kind}:${i.value}`, i.customerId);
		for (const p of loaded.payments)
			this.putPayment({ id: p.id, customerId: p.customerId, state: p.state });
		for (const s of loaded.subscriptions)
			this.subscriptions.set(s.state.ref, s);
		this.failures = [...loaded.failures];
		this.tickets = [...loaded.tickets];
		for (const l of loaded.latestPayments)
			this.latest.set(l.customerId, {
				ref: preferredRef(l.refs),
				at: l.firstSeenAt,
			});
	}

	/** The customers this event names (survivor first), or a new one; merging is decided here, done in commit. */
	protected resolve(event: ClaimedEvent, keys: EventKeys): Customer[] {
		const ids = new Set<string>();
		for (const identity of keys.identities) {
			const owner = this.owners.get(`${identity.kind}:${identity.value}`);
			if (owner) ids.add(this.live(owner));
		}
		for (const payment of this.matchingPayments(keys.refs))
			if (payment.customerId) ids.add(this.live(payment.customerId));
		const sub = keys.subscriptionRef
			? this.subscriptions.get(keys.subscriptionRef)
			: undefined;
		if (sub?.customerId) ids.add(this.live(sub.customerId));
		const found = [...ids]
			.map((id) => this.customers.get(id))
			.filter((c): c is Customer => c !== undefined);
		if (found.length === 0 && keys.identities.length > 0) {
			return [
				{
					id: this.pendingNewId(event),
					fields: {},
					derived: { tier: "free" },
					createdAt: new Date(),
				},
			];
		}
		return found.sort(
			(a, b) =>
				a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1),
		);
	}

	/** A new customer's id is minted once per event, so a retried read never creates two. */
	protected readonly minted = new Map<string, string>();
	protected pendingNewId(event: ClaimedEvent): string {
		const id = this.minted.get(event.id) ?? this.deps.newId();
		this.minted.set(event.id, id);
		return id;
	}

	/** Payments any of these references names (after folds), oldest first. */
	protected matchingPayments(refs: readonly string[]): Payment[] {
		const found = new Map<string, Payment>();
		for (const ref of refs) {
			const id = this.refOwners.get(ref);
			const payment = id ? this.payments.get(id) : undefined;
			if (payment) found.set(payment.id, payment);
		}
		return [...found.values()];
	}

	protected putPayment(payment: Payment): void {
		this.payments.set(payment.id, payment);
		for (const ref of payment.state.refs) this.refOwners.set(ref, payment.id);
	}

	/** Follows merges to the record that survives. */
	live(customerId: string): string {
		let id = customerId;
		for (let hops = 0; hops < 20; hops++) {
			const next = this.redirects.get(id);
			if (!next) return id;
			id = next;
		}
		return id;
	}

	/** The rows to write, with merged-away customers resolved to their survivors. */
	payment(id: string): Payment | undefined {
		const payment = this.payments.get(id);
		return (
			payment && {
				...payment,
				customerId: payment.customerId ? this.live(payment.customerId) : null,
			}
		);
	}

	customer(id: string): Customer | undefined {
		return this.redirects.has(id) ? undefined : this.customers.get(id);
	}

	subscription(
		ref: string,
	): { customerId: string | null; state: SubscriptionState } | undefined {
		const sub = this.subscriptions.get(ref);
		return (
			sub && {
				...sub,
				customerId: sub.customerId ? this.live(sub.customerId) : null,
			}
		);
	}
}
