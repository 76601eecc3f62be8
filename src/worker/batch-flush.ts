/** Writing a batch back: new customers, merges, then one set-based statement per table, then side effects. */
import { enqueue, enqueueCrmSyncs, raiseAlert } from "../queue/index.ts";
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
} from "../store/index.ts";
import type { Workspace } from "./workspace.ts";

export async function flushBatch(tx: Db, workspace: Workspace): Promise<void> {
	const changes = workspace.changes;
	await insertCustomers(tx, changes.newCustomers);
	for (const merge of changes.merges)
		await moveCustomerRows(tx, merge.survivor, merge.merged);
	await saveIdentities(
		tx,
		[...changes.identities.values()].map((i) => ({
			...i,
			customerId: workspace.live(i.customerId),
		})),
	);
	await saveCustomers(
		tx,
		[...changes.customers].flatMap((id) => {
			const customer = workspace.customer(id);
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
		[...changes.payments].flatMap((id) => workspace.payment(id) ?? []),
		changes.foldedPayments.map((f) => ({
			from: f.from,
			into: finalPayment(f.into) ?? f.into,
		})),
	);
	await saveSubscriptions(
		tx,
		[...changes.subscriptions].flatMap(
			(ref) => workspace.subscription(ref) ?? [],
		),
	);
	await saveFailures(
		tx,
		changes.failures.map((f) => ({
			...f,
			customerId: workspace.live(f.customerId),
			paymentId: finalPayment(f.paymentId),
		})),
	);
	if (changes.ticketsToClose.length > 0)
		await closeTickets(tx, changes.ticketsToClose, new Date());
	await openTickets(tx, workspace);
	for (const { comment, customerId, eventId } of changes.comments) {
		await enqueue(
			tx,
			[
				{
					destination: "zendesk",
					action: "add_comment",
					payload: {
						ticket_id: comment.ticketId,
						issue_key: comment.issueKey,
						external_ref: comment.externalRef,
						message: comment.message,
						attachments: comment.attachments,
					},
				},
			],
			{ eventId, customerId: workspace.live(customerId) },
		);
	}
	for (const { alert, customerId, eventId } of changes.alerts) {
		const owner = customerId ? workspace.live(customerId) : null;
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
			customerId: workspace.live(customerId),
			eventId,
		})),
	);
	await insertTimeline(
		tx,
		changes.timeline.map((row) => ({
			...row,
			customerId: row.customerId ? workspace.live(row.customerId) : null,
		})),
	);
	await markEventsProcessed(
		tx,
		changes.processed.map((p) => ({
			id: p.id,
			customerId: p.customerId ? workspace.live(p.customerId) : null,
		})),
	);
}

/**
 * Opens each requested ticket, or — when another worker opened one with the same issue key a moment
 * ago (the unique index tells us) — comments on that one instead.
 */
async function openTickets(tx: Db, workspace: Workspace): Promise<void> {
	for (const ticket of workspace.changes.ticketsToOpen) {
		const customerId = workspace.live(ticket.customerId);
		const context = { eventId: ticket.eventId, customerId };
		const { request } = ticket;
		if (!(await insertTicket(tx, { ...ticket, customerId }))) {
			const open = await findOpenTicket(tx, request.issueKey);
			if (open)
				await enqueue(
					tx,
					[
						{
							destination: "zendesk",
							action: "add_comment",
							payload: {
								ticket_id: open.id,
								issue_key: open.issueKey,
								external_ref: open.externalRef,
								message: request.message,
								attachments: request.attachments,
							},
						},
					],
					context,
				);
			continue;
		}
		await enqueue(
			tx,
			[
				{
					destination: "zendesk",
					action: "create_ticket",
					payload: {
						ticket_id: ticket.id,
						issue_key: request.issueKey,
						category: request.category,
						priority: request.priority,
						subject: request.subject,
						message: request.message,
						tags: request.tags,
						requester: request.requester,
						context: { ...request.context, customer_id: customerId },
						attachments: request.attachments,
					},
				},
			],
			context,
		);
	}
}
