/**
 * Business state per customer: customers and identities, payments, subscriptions and tickets, loaded
 * and written a batch at a time; merges; the snapshot a CRM sync sends.
 */
export { moveCustomerRows } from "./customer-merge.ts";
export { loadCustomerSnapshot } from "./customer-snapshot.ts";
export type {
	CustomerRow,
	Identity,
	IdentityKind,
	StoredCustomer,
} from "./customers.ts";
export { customerFromRow } from "./customers.ts";
export type { PaymentRow, StoredPayment } from "./payments.ts";
export { paymentFromRow } from "./payments.ts";
export type {
	OwnedFailure,
	OwnedIdentity,
	OwnedSubscription,
	OwnedTicket,
} from "./state-load.ts";
export {
	findIdentities,
	loadFailures,
	loadLatestPayments,
	loadSubscriptions,
	loadTickets,
	lockCustomers,
	lockKeys,
	lockPayments,
} from "./state-load.ts";
export type { FailureWrite, PaymentWrite, TimelineRow } from "./state-write.ts";
export {
	insertCustomers,
	insertTimeline,
	saveCustomers,
	saveFailures,
	saveIdentities,
	savePayments,
	saveSubscriptions,
} from "./state-write.ts";
export type { SubscriptionRow } from "./subscriptions.ts";
export { subscriptionFromRow } from "./subscriptions.ts";
export {
	closeTickets,
	findOpenTicket,
	insertTicket,
	recordTicketRefs,
} from "./tickets.ts";
