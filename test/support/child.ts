/**
 * Runs the Plumb CLI as a real child process, from the build a user runs (`dist/`, kept current by the
 * global setup's build-if-stale), so restart times are the product's, not a TypeScript loader's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

const MAIN = new URL("../../dist/main.js", import.meta.url).pathname;

export interface Child {
	process: ChildProcess;
	output: () => string;
	exited: Promise<number | null>;
}

/** `env` replaces the environment (plus PATH and HOME), so the developer's own variables never leak in. */
export function runPlumb(args: string[], env: Record<string, string>): Child {
	const child = spawn(process.execPath, [MAIN, ...args], {
		env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	let output = "";
	child.stdout?.on("data", (chunk) => {
		output += String(chunk);
	});
	child.stderr?.on("data", (chunk) => {
		output += String(chunk);
	});
	const exited = new Promise<number | null>((resolve) =>
		child.on("exit", (code) => resolve(code)),
	);
	return { process: child, output: () => output, exited };
}

export async function waitFor(
	check: () => Promise<boolean> | boolean,
	timeoutMs = 15_000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (
			await Promise.resolve()
				.then(check)
				.catch(() => false)
		)
			return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error("timed out waiting");
}

/** Neither exited nor killed by a signal. */
export function isAlive(child: Child): boolean {
	return child.process.exitCode === null && child.process.signalCode === null;
}

/** A loopback port that was free a moment ago (bound, then released). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/** Runs the CLI to its end: its exit code and everything it wrote (stdout and stderr). */
export async function runPlumbToEnd(
	args: string[],
	env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
	const child = runPlumb(args, env);
	const code = await child.exited;
	return { code, out: child.output() };
}
