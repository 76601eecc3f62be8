import { describe, expect, it } from "vitest";
import { freshDb } from "../../../test/support/db.ts";
import type { Db } from "./db.ts";

/**
 * The migrated catalog, rendered as stable text and compared with the committed `schema.snapshot.txt`:
 * a DDL change that forgets to update the snapshot is a red build, not silent drift.
 * Update it with `npx vitest run src/store/db/schema.test.ts -u` and commit the diff with the migration.
 */
async function describeSchema(db: Db): Promise<string> {
	const columns = await db.query<{
		table_name: string;
		column_name: string;
		data_type: string;
		is_nullable: string;
		column_default: string | null;
	}>(
		`select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
		 where table_schema = 'plumb' order by table_name, ordinal_position`,
	);
	const constraints = await db.query<{
		table_name: string;
		conname: string;
		def: string;
	}>(
		`select c.relname as table_name, k.conname, pg_get_constraintdef(k.oid) as def
		 from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
		 where n.nspname = 'plumb' and k.contype <> 'n' order by c.relname, k.conname`,
	);
	const indexes = await db.query<{ indexdef: string }>(
		"select indexdef from pg_indexes where schemaname = 'plumb' order by tablename, indexname",
	);
	const security = await db.query<{ relname: string; relrowsecurity: boolean }>(
		`select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace
		 where n.nspname = 'plumb' and c.relkind = 'r' order by c.relname`,
	);
	const functions = await db.query<{
		proname: string;
		args: string;
		result: string;
	}>(
		`select p.proname, pg_get_function_identity_arguments(p.oid) as args, pg_get_function_result(p.oid) as result
		 from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'plumb' order by p.proname`,
	);
	const lines: string[] = [];
	let table = "";
	for (const column of columns) {
		if (column.table_name !== table) {
			table = column.table_name;
			const rls = security.find((s) => s.relname === table)?.relrowsecurity
				? "rls on"
				: "RLS OFF";
			lines.push("", `table ${table} (${rls})`);
		}
		const nullable = column.is_nullable === "NO" ? " not null" : "";
		const fallback = column.column_default
			? ` default ${column.column_default}`
			: "";
		lines.push(
			`  ${column.column_name} ${column.data_type}${nullable}${fallback}`,
		);
	}
	lines.push("", "constraints");
	for (const c of constraints)
		lines.push(`  ${c.table_name}.${c.conname}: ${c.def}`);
	lines.push("", "indexes");
	for (const i of indexes) lines.push(`  ${i.indexdef}`);
	lines.push("", "functions");
	for (const f of functions)
		lines.push(`  ${f.proname}(${f.args}) → ${f.result}`);
	return `${lines.join("\n").trim()}\n`;
}

describe("schema", () => {
	it("matches the committed snapshot", async () => {
		const testDb = await freshDb("pglite");
		try {
			await expect(await describeSchema(testDb.db)).toMatchFileSnapshot(
				"./schema.snapshot.txt",
			);
		} finally {
			await testDb.dispose();
		}
	});
});
