/**
 * Writing a batch back: new customers, merges, then one set-based statement per table, then the
 * deliveries, alerts and CRM syncs the rules asked for, stored as they are.
 */
import type { DeliveryIntent } from "../../core/index.ts";
import {
	commentInstead,
	forSurvivor,
	type OpenTicket,
} from "../../rules/index.ts";
import {
	closeTickets,
	type Db,
	findOpenTicket,
	insertCustomers,
	insertTicket,
	insertTimeline,
	markEventsProcessed,
	moveCustomerRows,
	saveCustomers,
	saveFailures,
	saveIdentities,
	savePayments,
	saveSubscriptions,
} from "../../store/index.ts";
import { raiseAlert } from "../alerts/index.ts";
import { enqueueCrmSyncs } from "../crm-sync-policy.ts";
import { enqueue } from "../enqueue.ts";
import {
	customerRow,
	live,
	paymentRow,
	subscriptionRow,
	type Workspace,
} from "./workspace.ts";

/** `now`: when the batch is applied (tickets it closes are closed then). */
export async function flushBatch(
	tx: Db,
	workspace: Workspace,
	now: Date,
): Promise<void> {
	const changes = workspace.changes;
	const survivor = (id: string) => live(workspace, id);
	await insertCustomers(tx, changes.newCustomers);
	for (const merge of changes.merges)
		await moveCustomerRows(tx, merge.survivor, merge.merged);
	await saveIdentities(
		tx,
		[...changes.identities.values()].map((i) => ({
			...i,
			customerId: survivor(i.customerId),
		})),
	);
	await saveCustomers(
		tx,
		[...changes.customers].flatMap((id) => {
			const customer = customerRow(workspace, id);
			return customer
				? [{ id, fields: customer.fields, derived: customer.derived }]
				: [];
		}),
	);
	// A payment folded into another later in the batch is written as its survivor.
	const foldedInto = new Map(
		changes.foldedPayments.map((f) => [f.from, f.into]),
	);
	const finalPayment = (id: string | null) => {
		let current = id;
		while (current && foldedInto.has(current))
			current = foldedInto.get(current) ?? null;
		return current;
	};
	await savePayments(
		tx,
		[...changes.payments].flatMap((id) => paymentRow(workspace, id) ?? []),
		changes.foldedPayments.map((f) => ({
			from: f.from,
			into: finalPayment(f.into) ?? f.into,
		})),
	);
	await saveSubscriptions(
		tx,
		[...changes.subscriptions].flatMap(
			(ref) => subscriptionRow(workspace, ref) ?? [],
		),
	);
	await saveFailures(
		tx,
		changes.failures.map((f) => ({
			...f,
			customerId: survivor(f.customerId),
			paymentId: finalPayment(f.paymentId),
		})),
	);
	if (changes.ticketsToClose.length > 0)
		await closeTickets(tx, changes.ticketsToClose, now);
	const taken = await openTickets(tx, workspace);
	// Tickets before comments: a comment may be on a ticket this batch opened.
	const ordered = [
		...changes.deliveries.filter((d) => d.intent.action === "create_ticket"),
		...changes.deliveries.filter((d) => d.intent.action !== "create_ticket"),
	];
	for (const { intent, customerId, eventId } of ordered) {
		const owner = survivor(customerId);
		const stored = asStored(intent, owner, taken);
		if (stored) await enqueue(tx, [stored], { eventId, customerId: owner });
	}
	for (const { alert, customerId, eventId } of changes.alerts) {
		const owner = customerId ? survivor(customerId) : null;
		await raiseAlert(
			tx,
			{
				kind: alert.kind,
				dedupeKey: alert.dedupeKey,
				severity: alert.severity,
				title: alert.title,
				body: alert.body,
				customerId: owner,
				eventId,
			},
			alert.notification,
		);
	}
	await enqueueCrmSyncs(
		tx,
		[...changes.crmSyncs].map(([customerId, eventId]) => ({
			customerId: survivor(customerId),
			eventId,
		})),
	);
	await insertTimeline(
		tx,
		changes.timeline.map((row) => ({
			...row,
			customerId: row.customerId ? survivor(row.customerId) : null,
		})),
	);
	await markEventsProcessed(
		tx,
		changes.processed.map((p) => ({
			id: p.id,
			customerId: p.customerId ? survivor(p.customerId) : null,
		})),
	);
}

/**
 * Inserts the batch's new tickets. Returns, by ticket id, those another worker beat us to (the unique
 * index on open issue keys tells us), with the open ticket that won, if it is still open.
 */
async function openTickets(
	tx: Db,
	workspace: Workspace,
): Promise<Map<string, OpenTicket | undefined>> {
	const taken = new Map<string, OpenTicket | undefined>();
	for (const { ticket, customerId, eventId, openedAt } of workspace.changes
		.ticketsToOpen) {
		const inserted = await insertTicket(tx, {
			...ticket,
			customerId: live(workspace, customerId),
			eventId,
			openedAt,
		});
		if (!inserted)
			taken.set(ticket.id, await findOpenTicket(tx, ticket.issueKey));
	}
	return taken;
}

/** The intent to store: a ticket names the surviving customer, and one opened elsewhere first becomes the rules' comment on it. */
function asStored(
	intent: DeliveryIntent,
	customerId: string,
	taken: ReadonlyMap<string, OpenTicket | undefined>,
): DeliveryIntent | undefined {
	if (intent.action !== "create_ticket") return intent;
	if (!taken.has(intent.payload.ticket_id))
		return forSurvivor(intent, customerId);
	const open = taken.get(intent.payload.ticket_id);
	return open ? commentInstead(intent, open) : undefined;
}
