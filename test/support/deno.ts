/**
 * The Deno runtime the `deno` dev dependency brings, and Plumb's Supabase Edge Function entry served by
 * it on loopback (`deno serve`, as Supabase's edge runtime serves its default export).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type Child, runChild } from "./child.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
export const EDGE_ENTRY = join(
	ROOT,
	"deploy/supabase/functions/plumb/index.ts",
);

/**
 * The deno executable. The package puts it in place on first run (its postinstall, or its bin.cjs
 * when install scripts were skipped), from the platform package npm installed: no network.
 */
export function denoExecutable(): string {
	const launcher = createRequire(import.meta.url).resolve("deno/bin.cjs");
	const executable = join(dirname(launcher), "deno");
	if (!existsSync(executable))
		execFileSync(process.execPath, [launcher, "--version"], {
			stdio: "ignore",
		});
	return executable;
}

/**
 * Serves the edge entry on 127.0.0.1:`port` with the narrowest permissions it runs with: network to
 * loopback and the database host only, reading the entry's folder only, the environment, and the host name
 * (pino reads it when it loads).
 */
export function serveEdgeEntry(options: {
	port: number;
	databaseUrl: string;
	env: Record<string, string>;
	/** Another entry (default: this checkout's Supabase function) and the folder it may read. */
	entry?: { path: string; root: string };
}): Child {
	const databaseHost = new URL(options.databaseUrl).hostname;
	const entry = options.entry ?? { path: EDGE_ENTRY, root: ROOT };
	return runChild(
		denoExecutable(),
		[
			"serve",
			"--port",
			String(options.port),
			"--host",
			"127.0.0.1",
			`--allow-net=127.0.0.1,${databaseHost}`,
			"--allow-env",
			`--allow-read=${entry.root}`,
			"--allow-sys=hostname",
			entry.path,
		],
		{
			NO_COLOR: "1",
			DENO_NO_UPDATE_CHECK: "1",
			DATABASE_URL: options.databaseUrl,
			...options.env,
		},
	);
}
