// Makes the pristine PGlite data directory that a first `npm start` restores instead of running initdb.
// Best effort: without it Plumb still starts, only ~2 s slower the first time.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";

const pglitePackage = join(
	dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite")),
	"..",
	"package.json",
);
const { version } = JSON.parse(readFileSync(pglitePackage, "utf8"));
const target = new URL(
	`../node_modules/.cache/plumb/pglite-${version}.tar.gz`,
	import.meta.url,
);
if (!existsSync(target)) {
	try {
		const db = await PGlite.create();
		const dump = await db.dumpDataDir("gzip");
		await db.close();
		mkdirSync(new URL("./", target), { recursive: true });
		writeFileSync(target, Buffer.from(await dump.arrayBuffer()));
	} catch (error) {
		console.warn(
			`plumb: could not prepare the PGlite template (${error.message}); first start will be slower.`,
		);
	}
}
