/** The size and dead rows of each Plumb table, for the gauges read at scrape time (cheap: catalog views only). */
import type { Db } from "../db/index.ts";

export interface TableStatsRow {
	table: string;
	/** Table, indexes and TOAST together (pg_total_relation_size). */
	bytes: number;
	/** The statistics' estimates, refreshed by Postgres as rows change (not a count(*)). */
	live_rows: number;
	dead_rows: number;
}

export function tableStats(db: Db): Promise<TableStatsRow[]> {
	return db.query<TableStatsRow>(
		`select relname as "table", pg_total_relation_size(relid)::float8 as bytes,
		        n_live_tup::float8 as live_rows, n_dead_tup::float8 as dead_rows
		 from pg_stat_user_tables where schemaname = 'plumb' order by relname`,
	);
}
