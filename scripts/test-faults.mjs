// `npm run test:faults [-- --full] [vitest options]`: the fault suite (test/faults) alone, against the
// PostgreSQL at TEST_DATABASE_URL (default 127.0.0.1:5432). `--full` runs it at the volume:
// 10,000 events and 20 faults per family (PLUMB_FAULTS_FULL=1) instead of the reduced run `npm test` does.
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const full = args.includes("--full");
const env = {
	...process.env,
	TEST_DATABASE_URL:
		process.env.TEST_DATABASE_URL ??
		"postgres://postgres@127.0.0.1:5432/postgres",
	...(full ? { PLUMB_FAULTS_FULL: "1" } : {}),
};
const rest = args.filter((arg) => arg !== "--full");
// Vitest ORs its file filters: add the folder only when no file of it is named.
const filters = rest.some((arg) => arg.startsWith("test/faults"))
	? []
	: ["test/faults"];
const vitest = new URL("../node_modules/vitest/vitest.mjs", import.meta.url)
	.pathname;
const result = spawnSync(
	process.execPath,
	[vitest, "run", ...filters, ...rest],
	{ stdio: "inherit", env },
);
process.exit(result.status ?? 1);
