/**
 * A migrated PGlite data directory, made once at build time (`npm run build` → scripts/pglite-template.mjs),
 * that a new data directory starts as a copy of: a file copy (~0.1 s) instead of PGlite's initdb (~3 s)
 * and every migration (~0.7 s), which were most of a first `npm start`.
 *
 * Its name holds PGlite's version and a hash of the migrations' text, so a template never stands for
 * another engine or another schema; a build with changed migrations makes a new one. It holds nothing
 * of an install: the log salt row is removed and made on first read (readLogSalt), so each copy draws
 * its own.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { listEmptyDirectories } from "./data-dir-copy.ts";
import { loadMigrations, migrate } from "./migrate.ts";
import { openPglite } from "./pglite.ts";

// PGlite's exports map hides package.json; its entry point sits in dist/, one level below it.
const PGLITE_PACKAGE = join(
	dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite")),
	"..",
	"package.json",
);

/**
 * Where builds keep templates: beside the build in dist/, so the npm package carries its template (its
 * `files` hold dist/) and an install from the tarball starts as fast as a checkout. Three levels up
 * from src/store/db and dist/store/db alike is the package root.
 */
export const PGLITE_TEMPLATE_CACHE = fileURLToPath(
	new URL("../../../dist/pglite-templates/", import.meta.url),
);

/** Raise when a template's making changes in a way an existing template lacks. */
const TEMPLATE_FORMAT = 2;

async function templateName(): Promise<string> {
	const { version } = JSON.parse(readFileSync(PGLITE_PACKAGE, "utf8")) as {
		version: string;
	};
	const hash = createHash("sha256");
	// How templates are made, in the name too: one made before templates listed their empty
	// directories (data-dir-copy.ts) is not reused.
	hash.update(`format ${TEMPLATE_FORMAT}\n`);
	for (const migration of await loadMigrations())
		hash.update(`${migration.name}\n${migration.sql}\n`);
	return `pglite-${version}-${hash.digest("hex").slice(0, 16)}`;
}

/** The template for this PGlite and these migrations, when a build made it. */
export async function findPgliteTemplate(
	cache = PGLITE_TEMPLATE_CACHE,
): Promise<string | undefined> {
	const path = join(cache, await templateName());
	return existsSync(join(path, "PG_VERSION")) ? path : undefined;
}

/** Makes the template unless it exists, and removes templates of other versions; returns its path. */
export async function makePgliteTemplate(
	cache = PGLITE_TEMPLATE_CACHE,
): Promise<string> {
	const name = await templateName();
	const path = join(cache, name);
	if (existsSync(join(path, "PG_VERSION"))) return path;
	await mkdir(cache, { recursive: true });
	// Built aside and renamed into place: a reader never sees half a template.
	const building = `${path}.${process.pid}.tmp`;
	await rm(building, { recursive: true, force: true });
	const db = await openPglite(building);
	try {
		await migrate(db);
		await db.exec("delete from plumb.install");
	} finally {
		await db.close();
	}
	await listEmptyDirectories(building);
	await rename(building, path).catch(async (error: unknown) => {
		// Another build made it meanwhile: theirs is as good as ours.
		await rm(building, { recursive: true, force: true });
		if (!existsSync(join(path, "PG_VERSION"))) throw error;
	});
	for (const entry of await readdir(cache))
		if (entry.startsWith("pglite-") && !entry.startsWith(name))
			await rm(join(cache, entry), { recursive: true, force: true });
	return path;
}
