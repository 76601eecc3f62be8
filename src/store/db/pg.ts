/** The `pg` adapter: a pool for statements, one dedicated client per transaction. */
import type pg from "pg";
import type { Db } from "./db.ts";
import { pgDriver } from "./pg-driver.ts";

export interface PgOptions {
	connectionString: string;
	max?: number;
	/** How long to wait for a free connection before failing, so a dead database answers 5xx, not a hang. */
	connectionTimeoutMillis?: number;
	/** Hears every error of every connection (idle or checked out); reporting only, never a crash. */
	onError?: (error: Error) => void;
}

// int8 (count(*), bigint ids) as numbers, as PGlite returns them; our counts stay far below 2^53.
const types = {
	getTypeParser: ((oid: number, format?: "text" | "binary") =>
		oid === pgDriver().types.builtins.INT8
			? (value: string) => Number.parseInt(value, 10)
			: pgDriver().types.getTypeParser(
					oid,
					format,
				)) as typeof pg.types.getTypeParser,
};

export function openPg(options: PgOptions): Db {
	const pool = new (pgDriver().Pool)({
		connectionString: options.connectionString,
		max: options.max ?? 10,
		connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
		idleTimeoutMillis: 30_000,
		types,
		application_name: "plumb",
	});
	// A client whose server goes away emits 'error', and an 'error' nobody listens to kills the
	// process. pg-pool listens only while a client is idle, so each client gets a listener of its own
	// for its whole life: checked out inside transaction() too. The statement in flight still rejects,
	// and the pool drops the client when it is released.
	pool.on("connect", (client) => {
		client.on("error", (error) => options.onError?.(error));
	});
	// The same idle-client error, re-emitted by the pool; the client's own listener reported it.
	pool.on("error", () => {});
	return poolDb(pool);
}

/** `host:port` of a connection string, for messages and logs: never the user or the password. */
export function pgAddress(connectionString: string): string {
	try {
		const url = new URL(connectionString);
		const host = url.hostname || url.searchParams.get("host") || "localhost";
		return `${host}:${url.port || url.searchParams.get("port") || "5432"}`;
	} catch {
		return "an unparseable address";
	}
}

function poolDb(pool: pg.Pool): Db {
	return {
		kind: "pg",
		async query<Row>(text: string, values?: readonly unknown[]) {
			const result = await pool.query(text, values as unknown[] | undefined);
			return result.rows as Row[];
		},
		async exec(sql: string) {
			await pool.query(sql);
		},
		async transaction<T>(fn: (tx: Db) => Promise<T>) {
			const client = await pool.connect();
			let broken = false;
			try {
				await client.query("begin");
				const value = await fn(clientDb(client));
				await client.query("commit");
				return value;
			} catch (error) {
				try {
					await client.query("rollback");
				} catch {
					broken = true; // the connection itself failed: drop it rather than reuse it
				}
				throw error;
			} finally {
				client.release(broken);
			}
		},
		async close() {
			await pool.end();
		},
	};
}

function clientDb(client: pg.PoolClient): Db {
	const tx: Db = {
		kind: "pg",
		async query<Row>(text: string, values?: readonly unknown[]) {
			const result = await client.query(text, values as unknown[] | undefined);
			return result.rows as Row[];
		},
		async exec(sql: string) {
			await client.query(sql);
		},
		transaction: (fn) => fn(tx),
		async close() {
			throw new Error("close() is not available inside a transaction");
		},
	};
	return tx;
}
