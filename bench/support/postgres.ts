/** Throwaway Postgres databases for benchmarks: create a uniquely named one, query it, drop it. */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server's maintenance database; benches only ever create and drop their own `*_bench_*` databases. */
export const PG_ADMIN_URL =
	process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
	name: string;
	url: string;
	/** One-off query on a short-lived connection (kept out of the measured pools). */
	query<Row>(sql: string, values?: readonly unknown[]): Promise<Row[]>;
	/** Rows of `table` whose `column` starts with `prefix` (how a bench finds the rows one run made). */
	countPrefix(table: string, column: string, prefix: string): Promise<number>;
	/** Drops the database, disconnecting anyone still on it. Safe to call twice. */
	drop(): Promise<void>;
}

async function withClient<T>(
	url: string,
	fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
	const client = new pg.Client({
		connectionString: url,
		application_name: "plumb-bench",
	});
	await client.connect();
	try {
		return await fn(client);
	} finally {
		await client.end();
	}
}

export async function createBenchDatabase(
	prefix = "plumb_bench",
): Promise<BenchDatabase> {
	if (!/^[a-z][a-z0-9_]*$/.test(prefix))
		throw new Error(`bad database prefix: ${prefix}`);
	const name = `${prefix}_${randomBytes(4).toString("hex")}`;
	await withClient(PG_ADMIN_URL, (client) =>
		client.query(`create database ${name}`),
	);
	const url = new URL(PG_ADMIN_URL);
	url.pathname = `/${name}`;
	let dropped = false;
	const query = <Row>(sql: string, values?: readonly unknown[]) =>
		withClient(
			url.toString(),
			async (client) =>
				(await client.query(sql, values as unknown[] | undefined))
					.rows as Row[],
		);
	return {
		name,
		url: url.toString(),
		query,
		async countPrefix(table, column, prefix) {
			const [row] = await query<{ n: number }>(
				`select count(*)::int as n from ${table} where starts_with(${column}, $1)`,
				[prefix],
			);
			return row?.n ?? -1;
		},
		async drop() {
			if (dropped) return;
			await withClient(PG_ADMIN_URL, (client) =>
				client.query(`drop database if exists ${name} with (force)`),
			);
			dropped = true;
		},
	};
}

/** Other benches' databases (one running now, or left by a killed run): for a warning, never dropped. */
export async function strayBenchDatabases(
	prefix = "plumb_bench",
): Promise<string[]> {
	return withClient(PG_ADMIN_URL, async (client) => {
		const result = await client.query<{ datname: string }>(
			"select datname from pg_database where datname like $1 order by datname",
			[`${prefix}\\_%`],
		);
		return result.rows.map((row) => row.datname);
	});
}
