/**
 * Holds a JSON object we generate to a vendor's own example of it: every path of ours must exist in
 * the example with the same JSON type (null on either side counts as "nullable"). Arrays compare
 * their first items; `maps` names paths whose keys vary (RevenueCat's subscriber attributes), where
 * each of our values is compared with the example's first value.
 */

function kind(value: unknown): string {
	return Array.isArray(value)
		? "array"
		: value === null
			? "null"
			: typeof value;
}

export interface DriftOptions {
	/** Whose example, as the problems name it: "Stripe's". */
	vendor: string;
	/** What the example is, as the problems name it: "object", "sample event". */
	example: string;
	/** Paths of ours the example does not show, each documented where it is set. */
	notInExample?: ReadonlySet<string>;
	/** Paths holding a map whose keys vary. */
	maps?: ReadonlySet<string>;
}

/** Every path of `ours` that the example lacks, or holds with another JSON type. */
export function drift(
	ours: unknown,
	example: unknown,
	path: string,
	options: DriftOptions,
): string[] {
	if (kind(example) === "null" || kind(ours) === "null") return [];
	if (kind(ours) !== kind(example))
		return [
			`${path}: ours is ${kind(ours)}, ${options.vendor} is ${kind(example)}`,
		];
	if (kind(ours) === "array") {
		const [a] = ours as unknown[];
		const [b] = example as unknown[];
		return a === undefined || b === undefined
			? []
			: drift(a, b, `${path}[]`, options);
	}
	if (kind(ours) !== "object") return [];
	const theirs = example as Record<string, unknown>;
	const problems: string[] = [];
	for (const [key, value] of Object.entries(ours as Record<string, unknown>)) {
		const at = `${path}.${key}`;
		if (options.maps?.has(path)) {
			const [first] = Object.values(theirs);
			if (first !== undefined)
				problems.push(...drift(value, first, at, options));
			continue;
		}
		if (!(key in theirs)) {
			if (!options.notInExample?.has(at))
				problems.push(`${at}: not in ${options.vendor} ${options.example}`);
			continue;
		}
		problems.push(...drift(value, theirs[key], at, options));
	}
	return problems;
}
