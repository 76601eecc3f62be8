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
