/** Opens the configured database: Postgres when DATABASE_URL is set, else embedded PGlite on disk
 * (a new data directory starts from the build's migrated template when there is one). */
import { mkdir } from "node:fs/promises";
import type { Db } from "./db.ts";
import { openPg } from "./pg.ts";
import { openPglite } from "./pglite.ts";
import { findPgliteTemplate } from "./pglite-template.ts";

export interface OpenDbOptions {
	url: string | undefined;
	dataDir: string;
	poolSize?: number;
	onError?: (error: Error) => void;
}

export async function openDb(options: OpenDbOptions): Promise<Db> {
	if (options.url) {
		return openPg({
			connectionString: options.url,
			...(options.poolSize === undefined ? {} : { max: options.poolSize }),
			...(options.onError === undefined ? {} : { onError: options.onError }),
		});
	}
	await mkdir(options.dataDir, { recursive: true });
	return openPglite(options.dataDir, await findPgliteTemplate());
}
