/** The PGlite adapter: embedded Postgres in WASM, one connection, so PGlite itself serialises every call. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Db } from "./db.ts";
import { readPgliteTemplate } from "./pglite-template.ts";

/** `dataDir` undefined → in memory. A new directory starts from the install-time template when there is one. */
export async function openPglite(dataDir?: string): Promise<Db> {
	const fresh =
		dataDir === undefined || !existsSync(join(dataDir, "PG_VERSION"));
	const template = fresh ? await readPgliteTemplate() : undefined;
	const db = await PGlite.create({
		...(dataDir === undefined ? {} : { dataDir }),
		...(template === undefined ? {} : { loadDataDir: template }),
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
