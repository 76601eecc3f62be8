// Runs `npm run build` only when a source file is newer than the last build (dist/main.js): `npm start`
// (through bin/plumb.js) and the tests that spawn the built CLI never run yesterday's code, and an up-to-date
// build costs a directory walk, not a compile.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";

const root = new URL("../", import.meta.url);
const built = new URL("dist/main.js", root);

function newestSource(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = `${dir}/${entry.name}`;
		if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
		else if (!/\.test\.tsx?$/.test(entry.name))
			newest = Math.max(newest, statSync(path).mtimeMs);
	}
	return newest;
}

const sources = Math.max(
	newestSource(new URL("src", root).pathname),
	statSync(new URL("tsconfig.build.json", root)).mtimeMs,
);
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
	process.stderr.write(
		"plumb: sources changed since the last build; building dist/\n",
	);
	execFileSync("npm", ["run", "--silent", "build"], {
		cwd: root,
		stdio: ["ignore", "inherit", "inherit"],
	});
}
