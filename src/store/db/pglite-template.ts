/**
 * A pristine PGlite data directory, made once at install time (`npm run build` → scripts/pglite-template.mjs).
 * Restoring it takes ~0.7 s where PGlite's initdb takes ~3 s, which is most of a first `npm start`.
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// PGlite's exports map hides package.json; its entry point sits in dist/, one level below it.
const PGLITE_PACKAGE = join(
	dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite")),
	"..",
	"package.json",
);
const PGLITE_VERSION = (
	JSON.parse(readFileSync(PGLITE_PACKAGE, "utf8")) as { version: string }
).version;

/** Keyed by PGlite's version: a template from another version is never used. */
export const PGLITE_TEMPLATE_URL = new URL(
	`../../../node_modules/.cache/plumb/pglite-${PGLITE_VERSION}.tar.gz`,
	import.meta.url,
);

export async function readPgliteTemplate(): Promise<Blob | undefined> {
	if (!existsSync(PGLITE_TEMPLATE_URL)) return undefined;
	return new Blob([await readFile(PGLITE_TEMPLATE_URL)]);
}
