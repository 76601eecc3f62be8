export type {
	AcknowledgeResult,
	AlertListFilter,
	AlertListItem,
	AlertSeverity,
	AlertStatus,
} from "./admin-alerts.ts";
export {
	ALERT_SEVERITIES,
	ALERT_STATUSES,
	acknowledgeAlert,
	listAlerts,
} from "./admin-alerts.ts";
export type {
	AttemptRecord,
	CustomerDetailRows,
	CustomerRecord,
	LastSuccess,
	PaymentRecord,
	SubscriptionRecord,
	TicketRecord,
	TimelineRecord,
} from "./admin-customer.ts";
export { DETAIL_LIMITS, loadCustomerDetail } from "./admin-customer.ts";
export type {
	CustomerListFilter,
	CustomerListItem,
	DeliveryListFilter,
	EventListFilter,
} from "./admin-lists.ts";
export {
	listCustomersAdmin,
	listDeliveriesAdmin,
	listEventsAdmin,
} from "./admin-lists.ts";
export type { HourlyCount, OverviewRows } from "./admin-overview.ts";
export {
	loadEventTimeline,
	loadOverview,
	signatureFailuresSince,
} from "./admin-overview.ts";
export type { SearchMatches } from "./admin-search.ts";
export { resolveSearch, SEARCH_LIMIT } from "./admin-search.ts";
export type { AdminSessionRow } from "./admin-sessions.ts";
export {
	deleteAdminSession,
	deleteExpiredAdminSessions,
	findAdminSession,
	insertAdminSession,
	touchAdminSession,
} from "./admin-sessions.ts";
export type { KeysetFilter } from "./admin-sql.ts";
export { uuidAt } from "./admin-sql.ts";
export type { AlertEpisode } from "./alert-rules.ts";
export {
	activeAlerts,
	alertsAwaitingResolvedNotice,
	countActiveAlerts,
	pruneWebhookFailures,
	readAlertRuleInputs,
	readLogSalt,
	recordWebhookFailure,
	resolveAlerts,
	tryAlertRulesLock,
} from "./alert-rules.ts";
export type { NewAlert } from "./alerts.ts";
export { openAlert } from "./alerts.ts";
export { moveCustomerRows } from "./customer-merge.ts";
export { loadCustomerSnapshot } from "./customer-snapshot.ts";
export type {
	CustomerRow,
	Identity,
	IdentityKind,
	StoredCustomer,
} from "./customers.ts";
export { customerFromRow } from "./customers.ts";
export type { Db } from "./db.ts";
export {
	isDatabaseUnavailable,
	RETRYABLE_SQLSTATES,
	sqlState,
} from "./db.ts";
export type {
	DeliveryListItem,
	NewDeliveryRow,
	QueueStatsRow,
} from "./deliveries.ts";
export {
	getDelivery,
	insertDeliveries,
	insertDelivery,
	queueStats,
} from "./deliveries.ts";
export type {
	AttemptOutcome,
	ClaimedDelivery,
	SettledDelivery,
	SettledStatus,
	SettleRow,
} from "./delivery-queue.ts";
export {
	claimDeliveries,
	nextDueInMs,
	recoverExpiredLeases,
	settleDeliveries,
	waitingCrmSyncs,
} from "./delivery-queue.ts";
export type { ReplayTarget } from "./delivery-replay.ts";
export {
	countDead,
	lockDeadPage,
	lockDeliveryForReplay,
	requeueDeliveries,
	supersedeDeliveries,
} from "./delivery-replay.ts";
export type { DatabaseFacts } from "./doctor.ts";
export { databaseFacts } from "./doctor.ts";
export type { ClaimedEvent } from "./event-claims.ts";
export {
	claimEventsById,
	claimPendingEvents,
	markEventsProcessed,
	recordEventFailure,
} from "./event-claims.ts";
export type { EventRow, InsertResult } from "./events.ts";
export { getEvent, insertEvent, isUuid } from "./events.ts";
export type {
	IntentRecord,
	IntentStatusRow,
	StoreIntentResult,
} from "./intents.ts";
export { getIntentStatus, storeIntent } from "./intents.ts";
export type { NewIntervention } from "./interventions.ts";
export {
	addInterventionAffected,
	countInterventions,
	recordIntervention,
} from "./interventions.ts";
export { JsonText, toJsonb } from "./json.ts";
export type { Migration } from "./migrate.ts";
export { isMigrated, loadMigrations, migrate } from "./migrate.ts";
export type { OpenDbOptions } from "./open.ts";
export { openDb } from "./open.ts";
export type { PaymentRow, StoredPayment } from "./payments.ts";
export { paymentFromRow } from "./payments.ts";
export type { PgOptions } from "./pg.ts";
export { openPg, pgAddress } from "./pg.ts";
export { openPglite, pgliteDb } from "./pglite.ts";
export { readPgliteTemplate } from "./pglite-template.ts";
export type { Readiness } from "./readiness.ts";
export { readiness } from "./readiness.ts";
export { ReconnectDelay } from "./reconnect-delay.ts";
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
export { closeTickets, findOpenTicket, insertTicket } from "./tickets.ts";
export type {
	Trace,
	TraceCustomer,
	TraceEntry,
	TraceEntryKind,
	TraceLogKeys,
} from "./trace.ts";
export { loadTrace } from "./trace.ts";
export { TRACE_LIMIT } from "./trace-entries.ts";
export type { Wakeup } from "./wakeup.ts";
export {
	listeningWakeup,
	pollingWakeup,
	sleep,
	wakeEventWorkers,
} from "./wakeup.ts";
