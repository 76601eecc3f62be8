/** Read models: the dashboard's lists, overview, search and customer page; `plumb trace`; `plumb doctor`. */
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
	customerLabels,
	listCustomersAdmin,
	listDeliveriesAdmin,
	listEventsAdmin,
} from "./admin-lists.ts";
export type {
	DailyPayments,
	MoneyByCurrency,
	MoneyCounts,
	MoneyRows,
	MoneyWindow,
	MoneyWindows,
} from "./admin-money.ts";
export { loadMoney, MONEY_WINDOWS } from "./admin-money.ts";
export type { HourlyCount, OverviewRows } from "./admin-overview.ts";
export {
	loadEventTimeline,
	loadOverview,
	signatureFailuresSince,
} from "./admin-overview.ts";
export type { SearchMatches } from "./admin-search.ts";
export { resolveSearch, SEARCH_LIMIT } from "./admin-search.ts";
export type { DatabaseFacts } from "./doctor.ts";
export { databaseFacts } from "./doctor.ts";
export type { Trace, TraceLogKeys } from "./trace.ts";
export { loadTrace } from "./trace.ts";
export type {
	TraceCustomer,
	TraceEntry,
	TraceEntryKind,
} from "./trace-entries.ts";
export { TRACE_LIMIT } from "./trace-entries.ts";
