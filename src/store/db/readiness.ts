/** What `/readyz` asks the database: can it take Plumb's writes right now? */
import type { Db } from "./db.ts";
import { isMigrated } from "./migrate.ts";

export type Readiness = "ready" | "not_migrated" | "read_only";

/**
 * Throws when the database is unreachable. A read-only database (a standby right after a failover,
 * or `default_transaction_read_only`) answers reads but refuses every webhook, so it is not ready.
 */
export async function readiness(db: Db): Promise<Readiness> {
	if (!(await isMigrated(db))) return "not_migrated";
	const [row] = await db.query<{ read_only: string }>(
		"select current_setting('transaction_read_only') as read_only",
	);
	return row?.read_only === "on" ? "read_only" : "ready";
}
