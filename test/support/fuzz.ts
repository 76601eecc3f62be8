/**
 * Fuzzing helpers for F1 (issue 12): text that hurts, any JSON value, and bodies made from a valid
 * template with one field replaced, removed or added. The oracle `unstorable` says, independently of
 * src/http/storable.ts, what every route must refuse.
 */
import fc from "fast-check";

/** Runs per fuzzed route: small by default (the suite has a time budget), more on demand. */
export function fuzzRuns(byDefault: number): number {
	return Number(process.env.PLUMB_DB_PROPERTY_RUNS ?? byDefault);
}

/** NUL, or not well-formed UTF-16 (an unpaired surrogate). */
export function isBadText(text: string): boolean {
	return (
		text.includes("\u0000") ||
		!(text as unknown as { isWellFormed(): boolean }).isWellFormed()
	);
}

export type Json = unknown;
type Path = Array<string | number>;

/** A number literal that JSON.stringify cannot write; spliced into the text after serialising. */
const RAW = "\u0001raw";
const OVERFLOWING = ["1e999999", "-1e999999", "1e-999999", "0.5e-16383"];
const rawNumber = fc.constantFrom(...OVERFLOWING, "1e131071", "1E+2", "-0");

/** Text that hurts: NUL or an unpaired surrogate somewhere inside, odd dates, long, or plain. */
export const nastyText = fc.oneof(
	{ weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
	{
		weight: 3,
		arbitrary: fc
			.tuple(
				fc.string({ maxLength: 6 }),
				fc.oneof(
					{ weight: 3, arbitrary: fc.constant("\u0000") },
					{
						weight: 3,
						arbitrary: fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff"),
					},
					{
						weight: 1,
						arbitrary: fc.constantFrom("\u0001", "\ufffd", "😀", "\u2028"),
					},
				),
				fc.string({ maxLength: 6 }),
			)
			.map(([a, b, c]) => `${a}${b}${c}`),
	},
	{
		weight: 1,
		arbitrary: fc.constantFrom(
			"",
			" ",
			"x".repeat(600),
			"-271821-04-20T00:00:00Z",
			"+275760-09-13T00:00:00Z",
			"0000-01-01T00:00:00Z",
			"2026-02-30T10:00:00Z",
			"solved",
			"CLOSED",
			"INSERT",
			"evt_1",
		),
	},
);

const oddNumber = fc.oneof(
	fc.integer(),
	fc.double({ noNaN: true, noDefaultInfinity: true }),
	fc.constantFrom(0, -1, 1e15, 9e15, -9e15, 253402300800, 2 ** 53, 1e308),
);

/** Any replacement; undefined removes the field. */
export const anyValue: fc.Arbitrary<Json> = fc.oneof(
	{ weight: 4, arbitrary: nastyText },
	{ weight: 2, arbitrary: oddNumber },
	{ weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
	{ weight: 1, arbitrary: rawNumber.map((literal) => ({ [RAW]: literal })) },
	{ weight: 1, arbitrary: fc.constant(undefined) },
);

/** Every path in `value`, containers included. */
function pathsOf(value: Json, prefix: Path = []): Path[] {
	if (typeof value !== "object" || value === null) return [];
	const out: Path[] = [];
	const entries = Array.isArray(value)
		? value.map((child, index) => [index, child] as const)
		: Object.entries(value);
	for (const [key, child] of entries) {
		out.push([...prefix, key]);
		out.push(...pathsOf(child, [...prefix, key]));
	}
	return out;
}

/** A copy of `root` with the value at `path` replaced (or removed when `value` is undefined). */
export function withValue(root: Json, path: Path, value: Json): Json {
	const copy = structuredClone(root);
	let parent = copy as Record<string | number, Json>;
	for (const key of path.slice(0, -1))
		parent = parent[key] as Record<string | number, Json>;
	const last = path.at(-1) as string | number;
	if (value === undefined && !Array.isArray(parent)) delete parent[last];
	else
		Object.defineProperty(parent, last, {
			value,
			enumerable: true,
			writable: true,
			configurable: true,
		});
	return copy;
}

/** One mutation: replace any field, or add a key (any text, `__proto__` too) to any object. */
export function mutated(template: Json): fc.Arbitrary<Json> {
	const paths = pathsOf(template);
	const objects: Path[] = [
		[],
		...paths.filter((path) => {
			const at = path.reduce<Json>(
				(node, key) => (node as Record<string | number, Json>)[key],
				template,
			);
			return typeof at === "object" && at !== null && !Array.isArray(at);
		}),
	];
	return fc.oneof(
		{
			weight: 4,
			arbitrary: fc
				.tuple(fc.constantFrom(...paths), anyValue)
				.map(([path, value]) => withValue(template, path, value)),
		},
		{
			weight: 1,
			arbitrary: fc
				.tuple(
					fc.constantFrom(...objects),
					fc.oneof(nastyText, fc.constant("__proto__")),
					anyValue,
				)
				.map(([path, key, value]) =>
					withValue(template, [...path, key], value ?? "x"),
				),
		},
	);
}

export function serialise(value: Json): string {
	return (JSON.stringify(value) ?? "null").replace(
		/\{"\\u0001raw":"([^"]*)"\}/g,
		"$1",
	);
}

/** What the policy says is invalid whatever the route: text Postgres cannot store, or numbers it cannot hold. */
export function unstorable(value: Json, text: string): boolean {
	if (OVERFLOWING.some((literal) => text.includes(`:${literal}`))) return true;
	const walk = (node: Json): boolean =>
		typeof node === "string"
			? isBadText(node)
			: typeof node === "object" && node !== null
				? Object.entries(node).some(
						([key, child]) => isBadText(key) || walk(child),
					)
				: false;
	return walk(value);
}

/** A template with a fresh id (so most valid bodies are new), then one or two mutations. */
export function bodies(
	templates: Json[],
	fresh: (body: Json, n: number) => Json,
): fc.Arbitrary<Json> {
	return fc
		.tuple(
			fc.constantFrom(...templates),
			fc.nat(),
			fc.integer({ min: 1, max: 2 }),
		)
		.chain(([template, n, times]) => {
			let body = fc.constant(fresh(template, n));
			for (let i = 0; i < times; i++) body = body.chain(mutated);
			return body;
		});
}
