/** Keyset pagination: the cursor is the last row's id (UUIDv7 ids sort by time), encoded opaquely. */
import { z } from "zod";
import { AppError } from "../core/index.ts";

export const limitSchema = z.coerce.number().int().min(1).max(200).default(50);

export function encodeCursor(id: string): string {
	return Buffer.from(id, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | undefined): string | undefined {
	if (cursor === undefined || cursor === "") return undefined;
	const id = Buffer.from(cursor, "base64url").toString("utf8");
	if (!/^[0-9a-f-]{36}$/i.test(id))
		throw new AppError("validation_failed", "Invalid cursor.");
	return id;
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
