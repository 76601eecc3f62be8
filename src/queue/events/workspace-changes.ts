/** What a batch changed, collected by the workspace and written back by `flushBatch`. */
import type { DeliveryIntent } from "../../core/index.ts";
import type {
	AlertRequest,
	NewTicket,
	TicketSelector,
} from "../../rules/index.ts";
import type { FailureWrite, Identity, TimelineRow } from "../../store/index.ts";

export interface WorkspaceChanges {
	/** Customers first seen in this batch (inserted before anything refers to them). */
	newCustomers: string[];
	/** In order: `merged` and everything pointing at it move to `survivor`. */
	merges: Array<{ survivor: string; merged: string }>;
	/** Identities to record, keyed "kind:value". */
	identities: Map<string, Identity & { customerId: string }>;
	/** Ids of customers whose fields changed. */
	customers: Set<string>;
	/** Ids of payments to upsert. */
	payments: Set<string>;
	/** Payments found to be one: `from` folds into `into`. */
	foldedPayments: Array<{ from: string; into: string }>;
	/** Refs of subscriptions to upsert. */
	subscriptions: Set<string>;
	failures: FailureWrite[];
	ticketsToClose: TicketSelector[];
	ticketsToOpen: Array<{
		ticket: NewTicket;
		customerId: string;
		eventId: string;
		openedAt: Date;
	}>;
	/** The rules' delivery intents other than CRM syncs (tickets and comments), in order. */
	deliveries: Array<{
		intent: DeliveryIntent;
		customerId: string;
		eventId: string;
	}>;
	alerts: Array<{
		alert: AlertRequest;
		customerId: string | null;
		eventId: string;
	}>;
	/** One CRM sync per customer per batch, keyed by the first event that asked. */
	crmSyncs: Map<string, string>;
	timeline: TimelineRow[];
	processed: Array<{ id: string; customerId: string | null }>;
}

export function emptyChanges(): WorkspaceChanges {
	return {
		newCustomers: [],
		merges: [],
		identities: new Map(),
		customers: new Set(),
		payments: new Set(),
		foldedPayments: [],
		subscriptions: new Set(),
		failures: [],
		ticketsToClose: [],
		ticketsToOpen: [],
		deliveries: [],
		alerts: [],
		crmSyncs: new Map(),
		timeline: [],
		processed: [],
	};
}
