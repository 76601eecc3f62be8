/** Composition root and process entry: `node dist/main.js [command]` (what `npm start` and `npx plumb` run). */
import { runCli } from "./cli/index.ts";

process.exitCode = await runCli(process.argv.slice(2));
