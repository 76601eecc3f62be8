#!/usr/bin/env node
// `npx plumb <command>` and `npm start`: runs the built CLI (npm install builds it through the prepare
// script). In a checkout it first rebuilds dist/ when a source changed since the last build — in this
// process, so a start pays a directory walk, not another Node. The installed package
// (@plumb-dev/plumb) ships dist/ built and has no src/, so it runs dist/ as it is.
import { existsSync } from "node:fs";

const staleCheck = new URL("../scripts/build-if-stale.mjs", import.meta.url);
if (existsSync(new URL("../src/", import.meta.url)) && existsSync(staleCheck))
	await import(staleCheck.href);
const entry = new URL("../dist/main.js", import.meta.url);
if (!existsSync(entry)) {
	process.stderr.write(
		"Plumb is not built yet: run `npm run build` (npm install does it for you).\n",
	);
	process.exit(1);
}
await import(entry.href);
