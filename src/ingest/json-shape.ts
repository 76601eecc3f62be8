/** Structural limits for JSON we accept, checked before anything is stored. */

/** Deeper than any real webhook or intent; deeper input is refused instead of reaching jsonb. */
export const MAX_JSON_DEPTH = 32;

export function jsonDepth(value: unknown): number {
	// Iterative, so a hostile 100k-deep array cannot overflow the stack.
	if (typeof value !== "object" || value === null) return 0;
	let deepest = 0;
	const stack: Array<[object, number]> = [[value, 1]];
	while (stack.length > 0) {
		const [item, depth] = stack.pop() as [object, number];
		if (depth > deepest) deepest = depth;
		if (deepest > MAX_JSON_DEPTH) return deepest;
		// Only containers go on the stack: most values in a webhook are strings and numbers.
		for (const child of Object.values(item))
			if (typeof child === "object" && child !== null)
				stack.push([child, depth + 1]);
	}
	return deepest;
}

/** `application/json`, with or without parameters such as charset. */
export function isJsonContentType(header: string | undefined): boolean {
	return (
		header !== undefined && /^application\/json\s*(;|$)/i.test(header.trim())
	);
}
