/**
 * bench:admin's prune stage (BENCH_ADMIN_PRUNE=1): times one `plumb prune` over the loaded data set
 * with a 7-day retention for payloads and attempts (the load spreads events over 30 days, so about
 * three quarters of both go), and shows each big table's size and dead rows before and after.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { PlumbCommand } from "./support/plumb.ts";
import { REPO_ROOT } from "./support/plumb.ts";
import type { BenchDatabase } from "./support/postgres.ts";
import { int, ms, table } from "./support/stats.ts";

interface TableRow {
	table: string;
	bytes: number;
	live: number;
	dead: number;
}

const TABLES = ["events", "delivery_attempts", "deliveries"];

async function tableRows(bench: BenchDatabase): Promise<TableRow[]> {
	// The statistics reach pg_stat_user_tables within a second of a commit.
	await new Promise((resolve) => setTimeout(resolve, 1_500));
	return bench.query<TableRow>(
		`select relname as "table", pg_total_relation_size(relid)::float8 as bytes,
		        n_live_tup::float8 as live, n_dead_tup::float8 as dead
		 from pg_stat_user_tables where schemaname = 'plumb' and relname = any($1) order by relname`,
		[TABLES],
	);
}

export interface PruneMeasurement {
	ms: number;
	output: string;
	before: TableRow[];
	after: TableRow[];
}

export async function measurePrune(
	plumb: PlumbCommand,
	bench: BenchDatabase,
	say: (line?: string) => void,
): Promise<PruneMeasurement> {
	const before = await tableRows(bench);
	const started = performance.now();
	const { stdout } = await promisify(execFile)(
		plumb.command,
		[...plumb.args.slice(0, -1), "prune"],
		{
			cwd: REPO_ROOT,
			timeout: 900_000,
			env: {
				PATH: process.env.PATH ?? "",
				DATABASE_URL: bench.url,
				PLUMB_RETENTION_PAYLOADS: "7d",
				PLUMB_RETENTION_ATTEMPTS: "7d",
				LOG_LEVEL: "warn",
			},
		},
	);
	const elapsed = performance.now() - started;
	const after = await tableRows(bench);
	const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
	say(`plumb prune (payloads and attempts older than 7 days): ${ms(elapsed)}`);
	say(stdout.trim());
	say(
		table(
			[
				"table",
				"size before",
				"size after",
				"dead rows before",
				"dead rows after",
			],
			before.map((b) => {
				const a = after.find((row) => row.table === b.table);
				return [
					b.table,
					mb(b.bytes),
					mb(a?.bytes ?? 0),
					int(b.dead),
					int(a?.dead ?? 0),
				];
			}),
		),
	);
	return { ms: elapsed, output: stdout.trim(), before, after };
}
