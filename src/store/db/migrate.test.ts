import { afterEach, describe, expect, it } from "vitest";
import {
	adminQuery,
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../../test/support/db.ts";
import { isMigrated, loadMigrations, migrate } from "./migrate.ts";
import { openPg } from "./pg.ts";

describe.each(backends)("migrate on %s", (backend: Backend) => {
	let testDb: TestDb;
	afterEach(async () => {
		await testDb.dispose();
	});

	it("applies every migration once into the plumb schema, then has nothing to do", async () => {
		testDb = await freshDb(backend, { migrated: false });
		expect(await isMigrated(testDb.db)).toBe(false);
		const names = (await loadMigrations()).map((m) => m.name);
		expect(await migrate(testDb.db)).toEqual(names);
		expect(await migrate(testDb.db)).toEqual([]);
		expect(await isMigrated(testDb.db)).toBe(true);
		const tables = await testDb.db.query<{ schemaname: string }>(
			"select distinct schemaname from pg_tables where tablename in ('events', 'migrations') and schemaname not in ('pg_catalog')",
		);
		expect(tables.map((t) => t.schemaname)).toEqual(["plumb"]);
	});

	it("is safe when two processes migrate at once", async () => {
		testDb = await freshDb(backend, { migrated: false });
		const second = testDb.url
			? openPg({ connectionString: testDb.url, max: 2 })
			: testDb.db;
		try {
			const [a, b] = await Promise.all([migrate(testDb.db), migrate(second)]);
			expect([...a, ...b].sort()).toEqual(
				(await loadMigrations()).map((m) => m.name).sort(),
			);
			const rows = await testDb.db.query<{ n: number }>(
				"select count(*)::int as n from plumb.migrations",
			);
			expect(rows[0]?.n).toBe((await loadMigrations()).length);
		} finally {
			if (second !== testDb.db) await second.close();
		}
	});

	it("rolls a failing migration back whole and records nothing for it", async () => {
		testDb = await freshDb(backend, { migrated: false });
		const good = await loadMigrations();
		const broken = [
			...good,
			{
				id: 9999,
				name: "9999_broken",
				sql: "create table plumb.half (id int); select nonsense;",
			},
		];
		await expect(migrate(testDb.db, broken)).rejects.toThrow();
		const [half] = await testDb.db.query<{ exists: boolean }>(
			"select to_regclass('plumb.half') is not null as exists",
		);
		expect(half?.exists).toBe(false);
		const [recorded] = await testDb.db.query<{ n: number }>(
			"select count(*)::int as n from plumb.migrations where id = 9999",
		);
		expect(recorded?.n).toBe(0);
		expect(await isMigrated(testDb.db)).toBe(true);
	});

	it("applies a lower-numbered migration that arrived after a higher one was applied", async () => {
		testDb = await freshDb(backend, { migrated: false });
		const all = await loadMigrations();
		// 0004 lands after 0005 was applied (two branches merged out of order); nothing in 0005 needs it.
		await migrate(
			testDb.db,
			all.filter((m) => m.id !== 4),
		);
		expect(await isMigrated(testDb.db)).toBe(false);
		expect(await migrate(testDb.db)).toEqual(["0004_delivery_engine"]);
		expect(await isMigrated(testDb.db)).toBe(true);
	});

	it("refuses a database migrated by a newer Plumb", async () => {
		testDb = await freshDb(backend);
		await testDb.db.query(
			"insert into plumb.migrations (id, name) values (9998, '9998_from_the_future')",
		);
		await expect(migrate(testDb.db)).rejects.toThrow(
			/newer than this Plumb knows/,
		);
	});

	it("turns row-level security on for every table", async () => {
		testDb = await freshDb(backend);
		const open = await testDb.db.query<{ relname: string }>(
			`select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
			 where n.nspname = 'plumb' and c.relkind = 'r' and not c.relrowsecurity`,
		);
		expect(open).toEqual([]);
	});
});

describe.runIf(backends.includes("pg"))(
	"Supabase roles on the real PostgreSQL",
	() => {
		let testDb: TestDb;
		afterEach(async () => {
			await testDb.dispose();
		});

		it("leaves anon and authenticated unable to read or write anything, even with Supabase-style default grants", async () => {
			for (const role of ["anon", "authenticated"]) {
				// Roles are cluster-wide; parallel test files may race to create them.
				await adminQuery(
					`do $$ begin create role ${role} nologin; exception when duplicate_object or unique_violation then null; end $$`,
				);
			}
			testDb = await freshDb("pg", { migrated: false });
			// What Supabase does for its exposed schemas, applied here to every schema, so only Plumb's revokes protect it.
			await testDb.db.exec(
				"alter default privileges grant all on tables to anon, authenticated; " +
					"alter default privileges grant usage on schemas to anon, authenticated; " +
					"alter default privileges grant all on functions to anon, authenticated; grant create on database " +
					`${new URL(testDb.url ?? "").pathname.slice(1)} to anon, authenticated;`,
			);
			await migrate(testDb.db);
			await testDb.db.query(
				"insert into plumb.events (type, source, external_id, occurred_at, correlation_id, data, payload) values ('ignored', 'stripe', 'evt_x', now(), 'c', '{}', '{}')",
			);
			for (const role of ["anon", "authenticated"]) {
				for (const statement of [
					"select count(*) from plumb.events",
					"insert into plumb.events (type, source, external_id, occurred_at, correlation_id, data, payload) values ('ignored', 'stripe', 'evt_y', now(), 'c', '{}', '{}')",
					"update plumb.events set type = 'signup'",
					"delete from plumb.events",
					"select count(*) from plumb.migrations",
					"select plumb.uuid_generate_v7()",
				]) {
					await expect(
						testDb.db.transaction(async (tx) => {
							await tx.exec(`set local role ${role}`);
							await tx.query(statement);
						}),
						`${role}: ${statement}`,
					).rejects.toThrow(/permission denied/);
				}
			}
			const [row] = await testDb.db.query<{ n: number }>(
				"select count(*)::int as n from plumb.events",
			);
			expect(row?.n).toBe(1);
		});
	},
);
