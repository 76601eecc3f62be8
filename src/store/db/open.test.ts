import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backends, freshDb } from "../../../test/support/db.ts";
import { readLogSalt } from "../alerts/index.ts";
import { migrate } from "./migrate.ts";
import { openDb } from "./open.ts";
import { openPglite } from "./pglite.ts";
import { findPgliteTemplate, makePgliteTemplate } from "./pglite-template.ts";

describe("opening the configured database", () => {
	let root: string;
	beforeEach(() => {
		root = mkdtempSync(join(tmpdir(), "plumb-open-"));
	});
	afterEach(() => {
		rmSync(root, { recursive: true, force: true });
	});

	it("without a URL: embedded PGlite in the data directory, made if missing, whose rows outlive a reopen", async () => {
		const dataDir = join(root, "nested", "data");
		const first = await openDb({ url: undefined, dataDir });
		expect(first.kind).toBe("pglite");
		expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);
		await first.exec("create table kept (n int); insert into kept values (7)");
		await first.close();

		const again = await openDb({ url: undefined, dataDir });
		try {
			expect(await again.query("select n from kept")).toEqual([{ n: 7 }]);
		} finally {
			await again.close();
		}
	}, 60_000);

	it("in memory: a pristine database, ready to migrate", async () => {
		const db = await openPglite();
		try {
			expect(db.kind).toBe("pglite");
			expect(
				await db.query(
					"select to_regnamespace('plumb') is null as pristine, current_user as who",
				),
			).toEqual([{ pristine: true, who: "postgres" }]);
		} finally {
			await db.close();
		}
	}, 60_000);

	it.runIf(backends.includes("pg"))(
		"with a URL: a Postgres pool, and the data directory is left alone",
		async () => {
			const testDb = await freshDb("pg");
			const dataDir = join(root, "never-made");
			const db = await openDb({
				url: testDb.url,
				dataDir,
				poolSize: 2,
				onError: () => {},
			});
			try {
				expect(db.kind).toBe("pg");
				expect(await db.query("select current_database() as name")).toEqual([
					{ name: new URL(testDb.url as string).pathname.slice(1) },
				]);
				expect(existsSync(dataDir)).toBe(false);
			} finally {
				await db.close();
				await testDb.dispose();
			}
		},
	);

	it("a new data directory copies the build's migrated template (empty directories too, even after npm pack dropped them), and each copy draws its own log salt", async () => {
		const cache = join(root, "cache");
		expect(await findPgliteTemplate(cache)).toBeUndefined();
		const stale = join(cache, "pglite-0.0.1-0123456789abcdef");
		mkdirSync(join(stale, "base"), { recursive: true });
		const template = await makePgliteTemplate(cache);
		expect(await findPgliteTemplate(cache)).toBe(template);
		expect(await makePgliteTemplate(cache)).toBe(template);
		expect(readdirSync(cache)).toEqual([template.slice(cache.length + 1)]);
		expect(existsSync(stale)).toBe(false);

		const salts: string[] = [];
		for (const name of ["a", "b"]) {
			const db = await openPglite(join(root, name), template);
			try {
				expect(await migrate(db)).toEqual([]);
				expect(await db.query("select * from plumb.install")).toEqual([]);
				salts.push(await readLogSalt(db));
				expect(await readLogSalt(db)).toBe(salts.at(-1));
			} finally {
				await db.close();
			}
		}
		expect(salts[0]).toMatch(/^[0-9a-f]{64}$/);
		expect(salts[1]).not.toBe(salts[0]);

		// What an npm tarball does to it: files travel, empty directories do not.
		const lost = ["pg_notify", "pg_tblspc", "pg_wal/summaries"];
		for (const dir of lost) {
			expect(readdirSync(join(template, dir))).toEqual([]);
			rmSync(join(template, dir), { recursive: true });
		}
		const packed = await openPglite(join(root, "packed"), template);
		try {
			expect(await migrate(packed)).toEqual([]);
			for (const dir of lost)
				expect(existsSync(join(root, "packed", dir)), dir).toBe(true);
		} finally {
			await packed.close();
		}
	}, 120_000);
});
