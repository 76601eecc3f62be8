/** Reading loosely typed Stripe objects: a field is used only when it has the type Plumb expects. */

/** Stripe fields hold either an id or the expanded object. */
export function idOf(
	object: Record<string, unknown> | undefined,
	key: string,
): string | undefined {
	const value = object?.[key];
	if (typeof value === "string" && value !== "") return value;
	if (typeof value === "object" && value !== null)
		return text(value as Record<string, unknown>, "id");
	return undefined;
}

export function text(
	object: Record<string, unknown> | undefined,
	key: string,
): string | undefined {
	const value = object?.[key];
	return typeof value === "string" && value.trim() !== ""
		? value.trim()
		: undefined;
}

export function integer(
	object: Record<string, unknown> | undefined,
	key: string,
): number | undefined {
	const value = object?.[key];
	return typeof value === "number" && Number.isSafeInteger(value)
		? value
		: undefined;
}

export function record(
	object: Record<string, unknown> | undefined,
	key: string,
): Record<string, unknown> | undefined {
	const value = object?.[key];
	return typeof value === "object" && value !== null && !Array.isArray(value)
		? (value as Record<string, unknown>)
		: undefined;
}

export function list(
	object: Record<string, unknown> | undefined,
	key: string,
): Record<string, unknown>[] {
	const value = object?.[key];
	return Array.isArray(value)
		? value.filter(
				(item): item is Record<string, unknown> =>
					typeof item === "object" && item !== null,
			)
		: [];
}

export function unique(values: string[]): string[] {
	return [...new Set(values)];
}

/** JSON drops undefined keys anyway; dropping them here keeps stored data and test expectations equal. */
export function withoutUndefined<T>(value: T): T {
	if (Array.isArray(value)) return value.map(withoutUndefined) as T;
	if (typeof value !== "object" || value === null) return value;
	const kept: Record<string, unknown> = {};
	for (const [key, item] of Object.entries(value))
		if (item !== undefined) kept[key] = withoutUndefined(item);
	return kept as T;
}
