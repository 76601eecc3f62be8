/**
 * The `pg` driver, loaded on first use: the embedded database never needs it, and every start-up
 * would pay for loading it. `pg` ships CommonJS, so a plain require keeps its callers synchronous.
 */
import { createRequire } from "node:module";
import type pg from "pg";

const require = createRequire(import.meta.url);
let driver: typeof pg | undefined;

export function pgDriver(): typeof pg {
	driver ??= require("pg") as typeof pg;
	return driver;
}
