/** Rows seeded straight into a test database, for read models and queries that only read them back. */
import type { Db } from "../../src/store/index.ts";

/**
 * Inserts one row into `table` (a constant in the test) with `values` by column name; returns the
 * stored row. JSON columns take JSON text.
 */
export async function insertRow<Row = { id: string }>(
	db: Db,
	table: string,
	values: Record<string, unknown>,
): Promise<Row> {
	const columns = Object.keys(values);
	const [row] = await db.query<Row>(
		`insert into ${table} (${columns.join(", ")})
		 values (${columns.map((_, i) => `$${i + 1}`).join(", ")}) returning *`,
		Object.values(values),
	);
	if (!row) throw new Error(`no row inserted into ${table}`);
	return row;
}

/** A delivery row; every column has a default a test may override. */
export function insertDeliveryRow(
	db: Db,
	key: string,
	columns: Record<string, unknown> = {},
): Promise<{ id: string }> {
	return insertRow(db, "plumb.deliveries", {
		destination: "zendesk",
		action: "create_ticket",
		idempotency_key: key,
		payload: "{}",
		...columns,
	});
}

/** A bare customer row (every field unset unless given). */
export function insertCustomerRow(
	db: Db,
	columns: Record<string, unknown> = {},
): Promise<{ id: string }> {
	return insertRow(db, "plumb.customers", { tier: "free", ...columns });
}

/** A minute's count of failed webhook requests, as if recorded at `minute` (e.g. long ago). */
export function insertWebhookFailureRow(
	db: Db,
	row: { minute: Date; source: string; reason: string; count: number },
): Promise<unknown> {
	return insertRow(db, "plumb.webhook_failures", { status: 401, ...row });
}

/** The time `ms` milliseconds before now, for rows dated in the past. */
export const ago = (ms: number): Date => new Date(Date.now() - ms);

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
