/**
 * One process per embedded data directory: PGlite has no locking of its own, and two writers corrupt
 * it. The lock file holds the holder's pid and, on Linux, its start time, so a lock is taken over at
 * once when its holder is gone: dead, a zombie not yet reaped (a SIGKILLed child whose parent has not
 * waited for it), or a pid the kernel has since given to an unrelated process.
 */
import { readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export class DataDirInUseError extends Error {
	constructor(dataDir: string, pid: number) {
		super(
			`The embedded database in ${dataDir} is in use by process ${pid}. Stop it, or set DATABASE_URL to run several Plumb processes on one Postgres.`,
		);
		this.name = "DataDirInUseError";
	}
}

/** Takes the lock or throws; returns the release function. A lock whose holder is gone is taken over. */
export async function lockDataDir(
	dataDir: string,
): Promise<() => Promise<void>> {
	await mkdir(dataDir, { recursive: true });
	const lockFile = join(dataDir, "plumb.pid");
	const mine = lockText(process.pid);
	for (let attempt = 0; attempt < 3; attempt++) {
		try {
			await writeFile(lockFile, mine, { flag: "wx" });
			return () => rm(lockFile, { force: true });
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
		}
		const text = await readFile(lockFile, "utf8").catch(() => "");
		const holder = parseLock(text);
		if (holder && holder.pid !== process.pid && isRunning(holder))
			throw new DataDirInUseError(dataDir, holder.pid);
		await takeOver(lockFile, text);
	}
	throw new Error(`Could not lock ${dataDir}`);
}

/**
 * Removes a stale lock, unless another starting process replaced it meanwhile: the file is moved
 * aside (only one mover wins) and put back if it is no longer the stale text we judged.
 */
async function takeOver(lockFile: string, staleText: string): Promise<void> {
	const aside = `${lockFile}.${process.pid}.stale`;
	try {
		await rename(lockFile, aside);
	} catch {
		return; // someone else moved it first; try to lock again
	}
	const moved = await readFile(aside, "utf8").catch(() => staleText);
	if (moved !== staleText) await rename(aside, lockFile).catch(() => {});
	else await rm(aside, { force: true });
}

interface Holder {
	pid: number;
	/** Start time in clock ticks since boot (/proc/<pid>/stat field 22); absent in old lock files. */
	startTime: string | undefined;
}

function lockText(pid: number): string {
	const startTime = procStat(pid)?.startTime;
	return startTime === undefined ? String(pid) : `${pid} ${startTime}`;
}

function parseLock(text: string): Holder | undefined {
	const [pid, startTime] = text.trim().split(/\s+/);
	const parsed = Number.parseInt(pid ?? "", 10);
	return Number.isInteger(parsed) && parsed > 0
		? { pid: parsed, startTime }
		: undefined;
}

function isRunning(holder: Holder): boolean {
	try {
		process.kill(holder.pid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
	}
	const stat = procStat(holder.pid);
	if (stat === undefined) return !hasProc(); // no /proc: trust the signal check alone
	// Z: killed but not reaped; X: being torn down. Neither will touch the data again.
	if (stat.state === "Z" || stat.state === "X") return false;
	return holder.startTime === undefined || holder.startTime === stat.startTime;
}

/** State (field 3) and start time (field 22) from /proc/<pid>/stat, or undefined without /proc. */
function procStat(
	pid: number,
): { state: string; startTime: string } | undefined {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/stat`, "utf8");
	} catch {
		return undefined;
	}
	// Field 2, the command name, is in parentheses and may hold spaces: count from the last ")".
	const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
	const state = fields[0];
	const startTime = fields[19];
	return state && startTime ? { state, startTime } : undefined;
}

function hasProc(): boolean {
	return procStat(process.pid) !== undefined;
}
