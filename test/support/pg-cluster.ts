/**
 * A throwaway PostgreSQL cluster in a temp dir on a free loopback port, for the faults that need
 * `pg_ctl restart`: never the shared server. As root, initdb and the server run as the `postgres`
 * system user (initdb refuses root), as .ci/run does.
 */
import { execFile } from "node:child_process";
import {
	chownSync,
	existsSync,
	mkdtempSync,
	readdirSync,
	rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./child.ts";

export interface PgCluster {
	port: number;
	/** postgres://postgres@127.0.0.1:<port>/<database> */
	url(database?: string): string;
	/** `pg_ctl restart`: `fast` is a clean restart, `immediate` a crash and recovery. */
	restart(mode?: "fast" | "immediate"): Promise<void>;
	/** Stops the server and removes its directory. Safe to call twice. */
	destroy(): Promise<void>;
}

/** The newest PostgreSQL bin directory on this machine (PG_BIN wins), or undefined. */
export function postgresBin(): string | undefined {
	if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, "initdb")))
		return process.env.PG_BIN;
	const root = "/usr/lib/postgresql";
	if (!existsSync(root)) return undefined;
	const versions = readdirSync(root)
		.filter((v) => existsSync(join(root, v, "bin", "initdb")))
		.sort((a, b) => Number(a) - Number(b));
	const newest = versions[versions.length - 1];
	return newest === undefined ? undefined : join(root, newest, "bin");
}

function run(
	file: string,
	args: string[],
	user: { uid: number; gid: number } | undefined,
): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile(
			file,
			args,
			{ ...user, timeout: 60_000, env: { PATH: process.env.PATH ?? "" } },
			(error, stdout, stderr) => {
				if (error)
					reject(new Error(`${file} ${args[0]} failed: ${stderr || stdout}`));
				else resolve(stdout);
			},
		);
	});
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
	const [uid, gid] = await Promise.all([
		run("id", ["-u", "postgres"], undefined),
		run("id", ["-g", "postgres"], undefined),
	]);
	return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export async function startPgCluster(): Promise<PgCluster> {
	const bin = postgresBin();
	if (!bin) throw new Error("no PostgreSQL binaries (set PG_BIN)");
	const user = process.getuid?.() === 0 ? await postgresUser() : undefined;
	const dir = mkdtempSync(join(tmpdir(), "plumb-faults-pg-"));
	if (user) chownSync(dir, user.uid, user.gid);
	const data = join(dir, "data");
	const port = await freePort();
	const pgCtl = (...args: string[]) =>
		run(join(bin, "pg_ctl"), ["-D", data, "-w", "-t", "60", ...args], user);
	let destroyed = false;
	try {
		await run(
			join(bin, "initdb"),
			["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
			user,
		);
		await pgCtl(
			"-l",
			join(dir, "server.log"),
			"-o",
			`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off`,
			"start",
		);
	} catch (error) {
		rmSync(dir, { recursive: true, force: true });
		throw error;
	}
	return {
		port,
		url: (database = "postgres") =>
			`postgres://postgres@127.0.0.1:${port}/${database}`,
		async restart(mode = "fast") {
			// -l again: without it the server would write to our pipe and hold it open.
			await pgCtl("-l", join(dir, "server.log"), "-m", mode, "restart");
		},
		async destroy() {
			if (destroyed) return;
			destroyed = true;
			await pgCtl("-m", "immediate", "stop").catch(() => {});
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
