/**
 * A fresh database per test, on PGlite always and on the real PostgreSQL when TEST_DATABASE_URL is set.
 * Use `describe.each(backends)` so each suite runs on both engines.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterEach, beforeEach, inject } from "vitest";
import {
	type Db,
	openPg,
	PGLITE_START_PARAMS,
	pgliteDb,
} from "../../src/store/index.ts";

export type Backend = "pglite" | "pg";

const adminUrl = process.env.TEST_DATABASE_URL;

/** The engines this run covers. */
export const backends: Backend[] = adminUrl ? ["pglite", "pg"] : ["pglite"];

export interface TestDb {
	db: Db;
	/** A connection string for child processes (real Postgres only). */
	url: string | undefined;
	/** Closes and drops the database. */
	dispose(): Promise<void>;
}

export async function freshDb(
	backend: Backend,
	options: { migrated?: boolean } = {},
): Promise<TestDb> {
	const migrated = options.migrated ?? true;
	if (backend === "pglite") {
		const tar = readFileSync(
			inject(migrated ? "pgliteMigrated" : "pgliteEmpty"),
		);
		const lite = await PGlite.create({
			loadDataDir: new Blob([tar]),
			startParams: PGLITE_START_PARAMS,
		});
		const db = pgliteDb(lite);
		return { db, url: undefined, dispose: () => db.close() };
	}
	if (!adminUrl) throw new Error("TEST_DATABASE_URL is not set");
	const name = `plumb_t_${inject("runId")}_${randomBytes(4).toString("hex")}`;
	await adminQuery(
		`create database ${name} template ${migrated ? inject("pgTemplate") : "template0"}`,
	);
	const url = new URL(adminUrl);
	url.pathname = `/${name}`;
	const db = openPg({ connectionString: url.toString(), max: 20 });
	return {
		db,
		url: url.toString(),
		async dispose() {
			await db.close();
			await adminQuery(`drop database if exists ${name} with (force)`);
		},
	};
}

/**
 * A fresh database for every test of the enclosing suite (made before each, dropped after): read
 * `db` and `url` inside a test or hook.
 */
export function useFreshDb(backend: Backend): TestDb {
	let current: TestDb | undefined;
	beforeEach(async () => {
		current = await freshDb(backend);
	});
	afterEach(async () => {
		await current?.dispose();
		current = undefined;
	});
	const now = (): TestDb => {
		if (!current)
			throw new Error("the test database exists only inside a test");
		return current;
	};
	return {
		get db() {
			return now().db;
		},
		get url() {
			return now().url;
		},
		dispose: () => now().dispose(),
	};
}

/** Runs one statement as the admin user of TEST_DATABASE_URL (database-level work: create, drop, roles). */
export async function adminQuery(sql: string): Promise<void> {
	const client = new pg.Client({ connectionString: adminUrl });
	await client.connect();
	try {
		await client.query(sql);
	} finally {
		await client.end();
	}
}
