/** Keyset pagination: the cursor is the last row's id (UUIDv7 ids sort by time), encoded opaquely. */
import { z } from "zod";
import { AppError } from "../core/index.ts";
import { isUuid } from "../store/index.ts";

export const limitSchema = z.coerce.number().int().min(1).max(200).default(50);

export function encodeCursor(id: string): string {
	return Buffer.from(id, "utf8").toString("base64url");
}

/**
 * The id a cursor encodes, or a 400. Only the exact encoding of a UUID is a cursor: base64 decoding
 * skips characters it does not know, and anything else (36 dashes) would reach Postgres as a 500.
 */
export function decodeCursor(cursor: string | undefined): string | undefined {
	if (cursor === undefined || cursor === "") return undefined;
	const id = Buffer.from(cursor, "base64url").toString("utf8");
	if (!isUuid(id) || encodeCursor(id) !== cursor)
		throw new AppError(
			"validation_failed",
			"Invalid `cursor`: pass the next_cursor of the page before, unchanged.",
			{
				details: [
					{ field: "cursor", message: "must be a next_cursor Plumb returned" },
				],
			},
		);
	return id.toLowerCase();
}

/** Fetch one row more than asked, to know whether a next page exists without a count. */
export function page<T extends { id: string }>(
	rows: T[],
	limit: number,
): { items: T[]; next_cursor: string | null } {
	const items = rows.slice(0, limit);
	const last = items.at(-1);
	return {
		items,
		next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
	};
}
