/**
 * Building WHERE clauses (the admin lists, the alert list) from fixed fragments: each filter the caller
 * sets adds one fragment written here in code, with its value bound as a parameter. No user text is
 * ever part of the SQL, and an unset filter adds nothing (no `$1 is null or …`, which can hide an index).
 */

/** A WHERE clause under construction: fragments use `$?` where their one value goes. */
export class Where {
	readonly #parts: string[] = [];
	readonly values: unknown[] = [];

	/** Adds `fragment` (a constant) with `value` bound in place of its `$?`. */
	add(fragment: string, value: unknown): this {
		this.values.push(value);
		this.#parts.push(fragment.replace("$?", `$${this.values.length}`));
		return this;
	}

	/** Adds a fragment of alternatives, each with its value: `(a = $1 or b = $2)`. */
	any(alternatives: ReadonlyArray<readonly [string, unknown]>): this {
		const ors = alternatives.map(([fragment, value]) => {
			this.values.push(value);
			return fragment.replace("$?", `$${this.values.length}`);
		});
		this.#parts.push(ors.length > 0 ? `(${ors.join(" or ")})` : "false");
		return this;
	}

	/** Adds a fragment without a value (e.g. `merged_into is null`). */
	raw(fragment: string): this {
		this.#parts.push(fragment);
		return this;
	}

	/** The next parameter's placeholder, for a LIMIT after the WHERE. */
	bind(value: unknown): string {
		this.values.push(value);
		return `$${this.values.length}`;
	}

	toString(): string {
		return this.#parts.length > 0 ? `where ${this.#parts.join(" and ")}` : "";
	}
}

/** A keyset list: newest first (UUIDv7 ids sort by creation time), within an optional id range. */
export interface KeysetFilter {
	/** The last id of the previous page. */
	before?: string | undefined;
	/** Lowest id to include (built from a time by `uuidAt`). */
	fromId?: string | undefined;
	/** Ids below this one only. */
	toId?: string | undefined;
	limit: number;
}

/** Adds the keyset and id-range fragments of `filter` for `column`. */
export function addKeyset(
	where: Where,
	column: string,
	filter: KeysetFilter,
): Where {
	if (filter.before !== undefined)
		where.add(`${column} < $?::uuid`, filter.before);
	if (filter.fromId !== undefined)
		where.add(`${column} >= $?::uuid`, filter.fromId);
	if (filter.toId !== undefined) where.add(`${column} < $?::uuid`, filter.toId);
	return where;
}

/**
 * The smallest UUIDv7 of a millisecond: every row recorded at or after `at` has an id ≥ this one,
 * so a time range becomes a range of the primary key.
 */
export function uuidAt(at: Date): string {
	const hex = Math.max(0, Math.floor(at.getTime()))
		.toString(16)
		.padStart(12, "0")
		.slice(-12);
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** `value` as a LIKE prefix pattern: its own `%`, `_` and `\` match literally. */
export function likePrefix(value: string): string {
	return `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function looksLikeUuid(value: string): boolean {
	return UUID.test(value);
}
