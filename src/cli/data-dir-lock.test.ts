import { type ChildProcess, spawn } from "node:child_process";
import {
	existsSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirInUseError, lockDataDir } from "./data-dir-lock.ts";

const linux = existsSync("/proc/self/stat");

function stat(pid: number): { state: string; startTime: string } {
	const text = readFileSync(`/proc/${pid}/stat`, "utf8");
	const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
	return { state: fields[0] ?? "", startTime: fields[19] ?? "" };
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error("timed out waiting");
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/**
 * A `sleep` whose parent never reaps it: the shell starts it in the background, then becomes
 * another `sleep` (exec), which never waits. Killed, the inner one stays a zombie until the outer
 * one ends, which is what a supervisor that has not yet reaped a SIGKILLed Plumb looks like.
 * The inner pid is read only once the shell has become `sleep`: a shell still running could reap
 * the killed child itself, and the zombie would be gone before the test sees it.
 */
async function unreapedChild(): Promise<{ pid: number; parent: ChildProcess }> {
	const parent = spawn("sh", ["-c", "sleep 60 & exec sleep 60"], {
		stdio: "ignore",
	});
	const outer = parent.pid as number;
	const children = () =>
		readFileSync(`/proc/${outer}/task/${outer}/children`, "utf8").trim();
	await until(
		() =>
			readFileSync(`/proc/${outer}/comm`, "utf8").trim() === "sleep" &&
			children() !== "",
	);
	return { pid: Number.parseInt(children(), 10), parent };
}

describe.runIf(linux)("lockDataDir", () => {
	let dataDir: string;
	const children: ChildProcess[] = [];
	const inner: number[] = [];
	beforeEach(() => {
		dataDir = mkdtempSync(join(tmpdir(), "plumb-lock-"));
	});
	afterEach(() => {
		for (const pid of inner.splice(0)) {
			try {
				process.kill(pid, "SIGKILL");
			} catch {
				// already gone
			}
		}
		for (const child of children.splice(0)) child.kill("SIGKILL");
		rmSync(dataDir, { recursive: true, force: true });
	});
	const lockFile = () => join(dataDir, "plumb.pid");

	it("records the holder's pid and start time, and refuses a second taker while it runs", async () => {
		const release = await lockDataDir(dataDir);
		expect(readFileSync(lockFile(), "utf8")).toBe(
			`${process.pid} ${stat(process.pid).startTime}`,
		);
		const { pid, parent } = await unreapedChild();
		children.push(parent);
		inner.push(pid);
		writeFileSync(lockFile(), `${pid} ${stat(pid).startTime}`);
		await expect(lockDataDir(dataDir)).rejects.toThrow(DataDirInUseError);
		await release();
	});

	it("takes over at once from a holder that was SIGKILLed and is still a zombie", async () => {
		const { pid, parent } = await unreapedChild();
		children.push(parent);
		inner.push(pid);
		writeFileSync(lockFile(), `${pid} ${stat(pid).startTime}`);
		process.kill(pid, "SIGKILL");
		await until(() => stat(pid).state === "Z");
		const started = Date.now();
		const release = await lockDataDir(dataDir);
		expect(Date.now() - started).toBeLessThan(500);
		expect(readFileSync(lockFile(), "utf8")).toMatch(
			new RegExp(`^${process.pid} `),
		);
		await release();
		expect(existsSync(lockFile())).toBe(false);
	});

	it("takes over from a zombie holder named in an old pid-only lock file", async () => {
		const { pid, parent } = await unreapedChild();
		children.push(parent);
		inner.push(pid);
		writeFileSync(lockFile(), String(pid));
		process.kill(pid, "SIGKILL");
		await until(() => stat(pid).state === "Z");
		const release = await lockDataDir(dataDir);
		await release();
	});

	it("takes over when the pid now belongs to an unrelated process (a different start time)", async () => {
		const { pid, parent } = await unreapedChild();
		children.push(parent);
		inner.push(pid);
		const reused = Number(stat(pid).startTime) - 1;
		writeFileSync(lockFile(), `${pid} ${reused}`);
		const release = await lockDataDir(dataDir);
		await release();
	});

	it("takes over from a holder that is gone", async () => {
		const gone = spawn("true");
		await new Promise((resolve) => gone.once("exit", resolve));
		writeFileSync(lockFile(), `${gone.pid} 12345`);
		const release = await lockDataDir(dataDir);
		await release();
	});
});
