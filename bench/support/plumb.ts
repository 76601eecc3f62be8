/** How benchmarks run Plumb: a private production build of the current src/, started as `node main.js serve`. */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { type RunningServer, startServer } from "./process.ts";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

export interface PlumbCommand {
	/** How Plumb runs, for the report. */
	mode: string;
	command: string;
	args: string[];
	/** Removes the private build. */
	dispose(): void;
}

/**
 * Compiles src/ with tsconfig.build.json into a temp dir (never the shared dist/, which may be stale
 * or mid-rebuild) and runs that JS with plain node, as production does. The temp dir gets a
 * node_modules symlink so packages resolve as they would from dist/, and a link to the checkout's
 * dist/pglite-templates (the migrated PGlite template the build made). If src/ does not compile right now
 * (someone mid-edit), falls back to running src/ through tsx, and says so.
 * BENCH_PLUMB_FROM=src skips the build; BENCH_PLUMB_FROM=dist uses the existing dist/ as is.
 */
export async function preparePlumb(
	nodeArgs: readonly string[] = [],
): Promise<PlumbCommand> {
	const from = process.env.BENCH_PLUMB_FROM ?? "build";
	const viaTsx = (why: string): PlumbCommand => ({
		mode: `src/ through tsx (${why})`,
		command: process.execPath,
		args: [
			...nodeArgs,
			"--import",
			"tsx",
			join(REPO_ROOT, "src/main.ts"),
			"serve",
		],
		dispose: () => {},
	});
	if (from === "src") return viaTsx("BENCH_PLUMB_FROM=src");
	if (from === "dist")
		return {
			mode: "existing dist/ (BENCH_PLUMB_FROM=dist; may be older than src/)",
			command: process.execPath,
			args: [...nodeArgs, join(REPO_ROOT, "dist/main.js"), "serve"],
			dispose: () => {},
		};
	const dir = mkdtempSync(join(tmpdir(), "plumb-bench-build-"));
	const dispose = () => rmSync(dir, { recursive: true, force: true });
	try {
		await promisify(execFile)(
			process.execPath,
			[
				join(REPO_ROOT, "node_modules/typescript/bin/tsc"),
				"-p",
				"tsconfig.build.json",
				"--outDir",
				join(dir, "dist"),
			],
			{ cwd: REPO_ROOT, timeout: 120_000 },
		);
		cpSync(
			join(REPO_ROOT, "src/store/db/migrations"),
			join(dir, "dist/store/db/migrations"),
			{ recursive: true },
		);
		symlinkSync(
			join(REPO_ROOT, "node_modules"),
			join(dir, "node_modules"),
			"dir",
		);
		const templates = join(REPO_ROOT, "dist/pglite-templates");
		if (existsSync(templates))
			symlinkSync(templates, join(dir, "dist/pglite-templates"), "dir");
	} catch (error) {
		dispose();
		const output = (error as { stdout?: string }).stdout
			?.trim()
			.split("\n")
			.slice(0, 3)
			.join("; ");
		return viaTsx(
			`src/ does not compile right now: ${output || String(error)}`,
		);
	}
	return {
		mode: "fresh production build of src/ (tsc -p tsconfig.build.json into a temp dir), plain node",
		command: process.execPath,
		args: [...nodeArgs, join(dir, "dist/main.js"), "serve"],
		dispose,
	};
}

/**
 * Starts `plumb serve` on a free port with exactly `env` (plus HOST/PORT), waiting for /readyz:
 * serve listens before it has migrated, so /healthz alone would let a bench write to missing tables.
 */
export function startPlumb(
	plumb: PlumbCommand,
	env: Record<string, string>,
	name = "plumb",
): Promise<RunningServer> {
	return startServer({
		name,
		command: plumb.command,
		args: plumb.args,
		env,
		cwd: REPO_ROOT,
		healthPath: "/readyz",
		startTimeoutMs: 60_000,
	});
}

/** Reads a PGlite data dir once its Plumb has stopped (PGlite allows one process at a time). */
export async function queryStoppedPglite<Row>(
	dataDir: string,
	sql: string,
	values: readonly unknown[] = [],
): Promise<Row[]> {
	const db = await PGlite.create({ dataDir });
	try {
		return (await db.query<Row>(sql, [...values])).rows;
	} finally {
		await db.close();
	}
}
