/** What people do: dashboard sessions and the manual interventions they record. */
export type { AdminSessionRow } from "./admin-sessions.ts";
export {
	deleteAdminSession,
	deleteExpiredAdminSessions,
	findAdminSession,
	insertAdminSession,
	touchAdminSession,
} from "./admin-sessions.ts";
export type { NewIntervention } from "./interventions.ts";
export {
	addInterventionAffected,
	countInterventions,
	recordIntervention,
} from "./interventions.ts";
