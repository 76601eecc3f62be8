/**
 * Copying a PGlite data directory that may have travelled in an npm tarball. A tarball keeps files
 * only, so `npm pack` drops a data directory's empty folders (pg_notify, pg_tblspc, pg_wal/summaries …)
 * and Postgres will not start without them: the template lists them in a file of its own, and every
 * copy makes them again.
 */
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";

/** In the template's root, among files Postgres ignores: one empty directory a line, relative. */
const EMPTY_DIRECTORIES = "plumb-empty-directories.txt";

/** Writes the list of `dataDir`'s empty directories into it (done once, when a template is made). */
export async function listEmptyDirectories(dataDir: string): Promise<void> {
	const empty: string[] = [];
	const walk = async (dir: string): Promise<void> => {
		const entries = await readdir(dir, { withFileTypes: true });
		if (entries.length === 0) empty.push(relative(dataDir, dir));
		for (const entry of entries)
			if (entry.isDirectory()) await walk(join(dir, entry.name));
	};
	await walk(dataDir);
	await writeFile(join(dataDir, EMPTY_DIRECTORIES), `${empty.join("\n")}\n`);
}

/** Copies `template` to `dataDir`, empty directories included even when the copy on disk lost them. */
export async function copyDataDir(
	template: string,
	dataDir: string,
): Promise<void> {
	await cp(template, dataDir, { recursive: true });
	const listed = join(template, EMPTY_DIRECTORIES);
	if (!existsSync(listed)) return;
	for (const dir of (await readFile(listed, "utf8")).split("\n"))
		if (dir !== "") await mkdir(join(dataDir, dir), { recursive: true });
}
