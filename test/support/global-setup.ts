/**
 * Once per test run: a migrated Postgres template database (when TEST_DATABASE_URL is set) and a
 * migrated PGlite data-dir tarball. Each test then gets its own database copied from them.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { migrate, pgliteDb } from "../../src/store/index.ts";

declare module "vitest" {
	export interface ProvidedContext {
		pgTemplate: string | null;
		pgliteEmpty: string;
		pgliteMigrated: string;
		runId: string;
	}
}

export default async function setup(project: TestProject) {
	// Child-process tests run the built CLI: build it when a source changed since the last build.
	execFileSync(
		process.execPath,
		[new URL("../../scripts/build-if-stale.mjs", import.meta.url).pathname],
		{ stdio: "inherit" },
	);
	const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
	const dir = mkdtempSync(join(tmpdir(), "plumb-test-"));
	const lite = await PGlite.create();
	const empty = await lite.dumpDataDir("none");
	writeFileSync(join(dir, "empty.tar"), Buffer.from(await empty.arrayBuffer()));
	await migrate(pgliteDb(lite));
	const migrated = await lite.dumpDataDir("none");
	writeFileSync(
		join(dir, "migrated.tar"),
		Buffer.from(await migrated.arrayBuffer()),
	);
	await lite.close();

	const adminUrl = process.env.TEST_DATABASE_URL;
	let pgTemplate: string | null = null;
	if (adminUrl) {
		pgTemplate = `plumb_tmpl_${runId}`;
		const admin = new pg.Client({ connectionString: adminUrl });
		await admin.connect();
		await admin.query(`create database ${pgTemplate}`);
		const templateUrl = new URL(adminUrl);
		templateUrl.pathname = `/${pgTemplate}`;
		const { openPg } = await import("../../src/store/index.ts");
		const db = openPg({ connectionString: templateUrl.toString(), max: 1 });
		await migrate(db);
		await db.close();
		await admin.end();
	}
	project.provide("pgTemplate", pgTemplate);
	project.provide("pgliteEmpty", join(dir, "empty.tar"));
	project.provide("pgliteMigrated", join(dir, "migrated.tar"));
	project.provide("runId", runId);

	return async () => {
		rmSync(dir, { recursive: true, force: true });
		if (adminUrl && pgTemplate) {
			const admin = new pg.Client({ connectionString: adminUrl });
			await admin.connect();
			await admin.query(`drop database if exists ${pgTemplate} with (force)`);
			await admin.end();
		}
	};
}
