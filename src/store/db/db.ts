/** The one small database seam: pg and PGlite both implement it; nothing else in Plumb knows which is which. */
export interface Db {
	/** One statement with `$1` parameters; returns its rows. */
	query<Row = Record<string, unknown>>(
		text: string,
		values?: readonly unknown[],
	): Promise<Row[]>;
	/** Several statements without parameters (migrations). */
	exec(sql: string): Promise<void>;
	/**
	 * Runs `fn` in one transaction: commit on return, rollback on throw.
	 * Inside, `tx.transaction` joins the same transaction (no savepoints).
	 */
	transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
	close(): Promise<void>;
	/** Which engine answers, for the few places that differ (wake-ups, `plumb doctor`). */
	readonly kind: "pg" | "pglite";
	/**
	 * PGlite only: calls `onNotify` for each NOTIFY on `channel` in this engine; resolves to the
	 * unlisten. Postgres listens on a connection of its own instead (wakeup.ts `listeningWakeup`).
	 */
	listen?(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
}

/** SQLSTATEs worth retrying the whole transaction for (graphile/worker does the same). */
export const RETRYABLE_SQLSTATES = new Set(["40001", "40P01"]);

export function sqlState(error: unknown): string | undefined {
	if (
		typeof error === "object" &&
		error !== null &&
		"code" in error &&
		typeof error.code === "string"
	) {
		return error.code;
	}
	return undefined;
}

/**
 * SQLSTATEs that say the server, not the statement, is the trouble: class 08 (connection exception)
 * is matched by prefix; 57P01–57P03 are admin_shutdown, crash_shutdown and cannot_connect_now (a
 * restart or failover); 53300 is too_many_connections; 25006 is read_only_sql_transaction, what a
 * standby answers a write with right after a failover.
 */
const UNAVAILABLE_SQLSTATES = new Set([
	"57P01",
	"57P02",
	"57P03",
	"53300",
	"25006",
]);

/** Socket errors of a connection that was refused, reset or never reached. */
const UNAVAILABLE_ERRNOS = new Set([
	"ECONNREFUSED",
	"ECONNRESET",
	"ECONNABORTED",
	"ETIMEDOUT",
	"EPIPE",
	"EHOSTUNREACH",
	"ENETUNREACH",
	"ENOTFOUND",
	"EAI_AGAIN",
]);

/** pg reports a pool checkout timeout, a dropped socket and an ended pool only in the message. */
const UNAVAILABLE_MESSAGE =
	/^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end on the pool)|^PGlite is closed/;

/**
 * True when `error` means "the database is unreachable or refusing work right now": the caller should
 * answer 503 and try again later, and must not count it against the work itself. The one place that
 * decides it (HTTP errors, workers, start-up retries). Follows `cause` and AggregateError's `errors`.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
	if (typeof error !== "object" || error === null || depth > 4) return false;
	const code = sqlState(error);
	if (code !== undefined) {
		if (code.startsWith("08") || UNAVAILABLE_SQLSTATES.has(code)) return true;
		if (UNAVAILABLE_ERRNOS.has(code)) return true;
	}
	if (error instanceof Error && UNAVAILABLE_MESSAGE.test(error.message))
		return true;
	if (error instanceof AggregateError)
		return error.errors.some((inner) =>
			isDatabaseUnavailable(inner, depth + 1),
		);
	return "cause" in error && isDatabaseUnavailable(error.cause, depth + 1);
}
