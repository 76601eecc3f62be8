/** The store's row types the dashboard views render (ui/ imports nothing outside admin/). */
export type {
	AlertListItem,
	CustomerListItem,
	DeliveryListItem,
	EventRow,
	HourlyCount,
	MoneyByCurrency,
	MoneyRows,
	MoneyWindow,
	OverviewRows,
	QueueStatsRow,
} from "../store/index.ts";
