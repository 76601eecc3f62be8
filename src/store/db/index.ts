/**
 * The database seam and what every area's SQL shares: the Db interface, the pg and PGlite adapters,
 * opening, migrations, JSON for jsonb, WHERE fragments and worker wake-ups.
 */
export type { Db } from "./db.ts";
export {
	isDatabaseUnavailable,
	RETRYABLE_SQLSTATES,
	sqlState,
} from "./db.ts";
export { JsonText, toJsonb } from "./json.ts";
export type { Migration } from "./migrate.ts";
export { isMigrated, loadMigrations, migrate } from "./migrate.ts";
export type { OpenDbOptions } from "./open.ts";
export { openDb } from "./open.ts";
export type { PgOptions } from "./pg.ts";
export { openPg, pgAddress } from "./pg.ts";
export { openPglite, PGLITE_START_PARAMS, pgliteDb } from "./pglite.ts";
export {
	findPgliteTemplate,
	makePgliteTemplate,
} from "./pglite-template.ts";
export type { Readiness } from "./readiness.ts";
export { readiness } from "./readiness.ts";
export { ReconnectDelay } from "./reconnect-delay.ts";
export type { Wakeup } from "./wakeup.ts";
export {
	embeddedWakeup,
	listeningWakeup,
	pollingWakeup,
	sleep,
	wakeEventWorkers,
} from "./wakeup.ts";
export type { KeysetFilter } from "./where.ts";
export {
	addKeyset,
	likePrefix,
	looksLikeUuid,
	uuidAt,
	Where,
} from "./where.ts";
