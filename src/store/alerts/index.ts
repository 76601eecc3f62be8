/**
 * Alerts from open to resolved: opening once per episode, the alert rules' inputs and episodes, and
 * the list people see and acknowledge.
 */
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
	ActiveAlertCount,
	AlertEpisode,
	AlertRuleInputs,
} from "./alert-rules.ts";
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
