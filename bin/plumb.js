#!/usr/bin/env node
// `npx plumb <command>`: runs the built CLI (npm install builds it through the prepare script).
import { existsSync } from "node:fs";

const entry = new URL("../dist/main.js", import.meta.url);
if (!existsSync(entry)) {
	process.stderr.write(
		"Plumb is not built yet: run `npm run build` (npm install does it for you).\n",
	);
	process.exit(1);
}
await import(entry.href);
