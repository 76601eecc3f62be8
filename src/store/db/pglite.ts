/** The PGlite adapter: embedded Postgres in WASM, one connection, so PGlite itself serialises every call. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { copyDataDir } from "./data-dir-copy.ts";
import type { Db } from "./db.ts";

/**
 * Postgres's default 128 MB of shared buffers is zeroed at every open: in WASM that is ~0.3 s of
 * start-up and ~120 MiB of RSS, for a cache that the OS page cache already gives the data files.
 * 16 MB holds Plumb's hot pages (bench:worker-rules on PGlite is unchanged).
 */
export const PGLITE_START_PARAMS = [
	...PGlite.defaultStartParams,
	"-c",
	"shared_buffers=16MB",
];

/**
 * `dataDir` undefined → in memory. A new data directory starts as a copy of `template` (a migrated
 * data directory, see pglite-template.ts) when one is given: a file copy instead of initdb.
 */
export async function openPglite(
	dataDir?: string,
	template?: string,
): Promise<Db> {
	if (
		dataDir !== undefined &&
		template !== undefined &&
		!existsSync(join(dataDir, "PG_VERSION"))
	)
		await copyDataDir(template, dataDir);
	const db = await PGlite.create({
		...(dataDir === undefined ? {} : { dataDir }),
		startParams: PGLITE_START_PARAMS,
	});
	return pgliteDb(db);
}
/** Wraps an already open PGlite (tests hand in copies of a migrated template). */
export function pgliteDb(db: PGlite): Db {
	return {
		kind: "pglite",
		async query<Row>(text: string, values?: readonly unknown[]) {
			const result = await db.query<Row>(text, values as unknown[] | undefined);
			return result.rows;
		},
		async exec(sql: string) {
			await db.exec(sql);
		},
		// PGlite.transaction rolls back before rethrowing, so a failed statement never leaves
		// the single connection stuck in an aborted transaction.
		transaction: (fn) => db.transaction((tx) => fn(transactionDb(tx))),
		close: () => db.close(),
		listen: (channel, onNotify) => db.listen(channel, () => onNotify()),
	};
}

function transactionDb(tx: Transaction): Db {
	const db: Db = {
		kind: "pglite",
		async query<Row>(text: string, values?: readonly unknown[]) {
			const result = await tx.query<Row>(text, values as unknown[] | undefined);
			return result.rows;
		},
		async exec(sql: string) {
			await tx.exec(sql);
		},
		transaction: (fn) => fn(db),
		async close() {
			throw new Error("close() is not available inside a transaction");
		},
	};
	return db;
}
