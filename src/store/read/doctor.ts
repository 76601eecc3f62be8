/** What `plumb doctor` asks the database: its clock and its version. */
import type { Db } from "../db/index.ts";

export interface DatabaseFacts {
	/** The database's clock when it answered. */
	now: Date;
	/** e.g. 160004 for 16.4 (`server_version_num`). */
	versionNum: number;
	/** e.g. "16.4". */
	version: string;
}

export async function databaseFacts(db: Db): Promise<DatabaseFacts> {
	const [row] = await db.query<{ now: Date; num: string; version: string }>(
		`select clock_timestamp() as now, current_setting('server_version_num') as num,
		        current_setting('server_version') as version`,
	);
	if (row === undefined) throw new Error("the database answered nothing");
	return {
		now: new Date(row.now),
		versionNum: Number(row.num),
		version: row.version.split(" ")[0] ?? row.version,
	};
}
