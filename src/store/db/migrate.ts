/** Numbered, forward-only SQL migrations in `migrations/`, applied under an advisory lock. */
import { readdir, readFile } from "node:fs/promises";
import type { Db } from "./db.ts";

/** "plum" in ASCII; two Plumb processes starting at once queue on it instead of racing. */
const MIGRATION_LOCK = 0x706c756d;
const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);

export interface Migration {
	id: number;
	name: string;
	sql: string;
}

let loaded: Promise<readonly Migration[]> | undefined;

/** Read once per process: the files ship with this build, and `/readyz` asks on every probe. */
export function loadMigrations(): Promise<readonly Migration[]> {
	loaded ??= readMigrations().catch((error: unknown) => {
		loaded = undefined;
		throw error;
	});
	return loaded;
}

async function readMigrations(): Promise<Migration[]> {
	const files = (await readdir(MIGRATIONS_DIR))
		.filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
		.sort();
	return Promise.all(
		files.map(async (file) => ({
			id: Number.parseInt(file.slice(0, 4), 10),
			name: file.replace(/\.sql$/, ""),
			sql: await readFile(new URL(file, MIGRATIONS_DIR), "utf8"),
		})),
	);
}

/** Applies every pending migration; returns the names it applied. Safe to run from several processes at once. */
export async function migrate(
	db: Db,
	migrations?: readonly Migration[],
): Promise<string[]> {
	const all = migrations ?? (await loadMigrations());
	const known = all.at(-1)?.id ?? 0;
	const done = await db.transaction(async (tx) => {
		await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
		const [table] = await tx.query<{ exists: boolean }>(
			"select to_regclass('plumb.migrations') is not null as exists",
		);
		if (!table?.exists)
			await tx.exec(`
			create schema if not exists plumb;
			create table if not exists plumb.migrations (
				id integer primary key,
				name text not null,
				applied_at timestamptz not null default now()
			);
			alter table plumb.migrations enable row level security;`);
		const rows = await tx.query<{ id: number }>(
			"select id from plumb.migrations",
		);
		const newest = Math.max(0, ...rows.map((row) => row.id));
		if (newest > known) {
			throw new Error(
				`The database is at migration ${newest}, newer than this Plumb knows (${known}); upgrade Plumb.`,
			);
		}
		return new Set(rows.map((row) => row.id));
	});
	const applied: string[] = [];
	// An up-to-date database (every restart) ends here, after one transaction.
	for (const migration of all.filter((m) => !done.has(m.id))) {
		const didApply = await db.transaction(async (tx) => {
			await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
			// Again under the lock: another process may have applied it since. By id, not "above the
			// latest": a migration merged after a higher one was applied still runs.
			const again = await tx.query(
				"select 1 from plumb.migrations where id = $1",
				[migration.id],
			);
			if (again.length > 0) return false;
			// Recorded first, so a concurrent runner that somehow got past the lock fails on the primary key.
			await tx.query(
				"insert into plumb.migrations (id, name) values ($1, $2)",
				[migration.id, migration.name],
			);
			await tx.exec(migration.sql);
			return true;
		});
		if (didApply) applied.push(migration.name);
	}
	return applied;
}

/** True when every known migration is applied: `/readyz` and `plumb doctor` ask this. */
export async function isMigrated(db: Db): Promise<boolean> {
	const [table] = await db.query<{ exists: boolean }>(
		"select to_regclass('plumb.migrations') is not null as exists",
	);
	if (!table?.exists) return false;
	const all = await loadMigrations();
	const rows = await db.query<{ id: number }>(
		"select id from plumb.migrations",
	);
	const applied = new Set(rows.map((row) => row.id));
	return all.every((migration) => applied.has(migration.id));
}
