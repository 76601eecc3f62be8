/** One process per embedded data directory: PGlite has no locking of its own, and two writers corrupt it. */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export class DataDirInUseError extends Error {
	constructor(dataDir: string, pid: number) {
		super(
			`The embedded database in ${dataDir} is in use by process ${pid}. Stop it, or set DATABASE_URL to run several Plumb processes on one Postgres.`,
		);
		this.name = "DataDirInUseError";
	}
}

/** Takes the lock or throws; returns the release function. A lock left by a dead process is taken over. */
export async function lockDataDir(
	dataDir: string,
): Promise<() => Promise<void>> {
	await mkdir(dataDir, { recursive: true });
	const lockFile = join(dataDir, "plumb.pid");
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			await writeFile(lockFile, String(process.pid), { flag: "wx" });
			return () => rm(lockFile, { force: true });
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
			const holder = Number.parseInt(
				await readFile(lockFile, "utf8").catch(() => ""),
				10,
			);
			if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder))
				throw new DataDirInUseError(dataDir, holder);
			await rm(lockFile, { force: true });
		}
	}
	throw new Error(`Could not lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === "EPERM";
	}
}
