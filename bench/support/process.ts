/** Runs a server under test as a child process on a free loopback port, waits until it answers, stops it. */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

export interface ServerSpec {
	/** For messages only. */
	name: string;
	command: string;
	args: readonly string[];
	/** The child's whole environment besides PATH/HOME: nothing leaks in from the caller's shell. */
	env: Record<string, string>;
	cwd?: string;
	/** GET this until it answers 2xx. */
	healthPath?: string;
	startTimeoutMs?: number;
	/**
	 * Run it as its own process group and signal the whole group: for `npm start`, whose shell
	 * would otherwise die on SIGTERM and leave Plumb running.
	 */
	group?: boolean;
	/** How often to ask while it starts (default 100 ms; bench:start asks every 10 ms). */
	pollMs?: number;
}

export interface RunningServer {
	name: string;
	url: string;
	port: number;
	pid: number;
	/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
	stop(graceMs?: number): Promise<number | null>;
	/** The last few KiB the child wrote to stdout and stderr. */
	output(): string;
	/** CPU time (user + system) the child has used so far, in ms; NaN where /proc is missing. */
	cpuMs(): number;
}

/** Linux only: utime + stime from /proc/<pid>/stat, in clock ticks of 10 ms (CLK_TCK = 100). */
export function processCpuMs(pid: number): number {
	try {
		// The command name in field 2 may hold spaces; the fields after its ")" do not.
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return (Number(fields[11]) + Number(fields[12])) * 10;
	} catch {
		return Number.NaN;
	}
}

const OUTPUT_TAIL = 16 * 1024;
/** SIGKILL for every server still running. */
const live = new Set<() => void>();

// Last resort if the runner dies without its clean-up: never leave a server behind.
process.on("exit", () => {
	for (const kill of live) kill();
});

/** A port the OS just handed out on 127.0.0.1; tiny race with other processes, fine for a bench. */
export async function freePort(): Promise<number> {
	const server = createServer();
	server.listen(0, "127.0.0.1");
	await once(server, "listening");
	const address = server.address();
	const port = typeof address === "object" && address ? address.port : 0;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

export async function startServer(spec: ServerSpec): Promise<RunningServer> {
	const port = await freePort();
	const child = spawn(spec.command, spec.args, {
		cwd: spec.cwd ?? process.cwd(),
		env: {
			PATH: process.env.PATH ?? "",
			HOME: process.env.HOME ?? "",
			...spec.env,
			HOST: "127.0.0.1",
			PORT: String(port),
		},
		stdio: ["ignore", "pipe", "pipe"],
		detached: spec.group === true,
	});
	const signal = (name: NodeJS.Signals) => {
		if (spec.group && child.pid !== undefined) process.kill(-child.pid, name);
		else child.kill(name);
	};
	const kill = () => signal("SIGKILL");
	live.add(kill);
	let tail = "";
	const keep = (chunk: Buffer) => {
		tail = (tail + chunk.toString("utf8")).slice(-OUTPUT_TAIL);
	};
	child.stdout?.on("data", keep);
	child.stderr?.on("data", keep);
	let exitCode: number | null | undefined;
	const exited = new Promise<number | null>((resolve) => {
		child.once("exit", (code) => {
			exitCode = code;
			live.delete(kill);
			resolve(code);
		});
	});
	const url = `http://127.0.0.1:${port}`;
	const stop = async (graceMs = 10_000): Promise<number | null> => {
		if (exitCode !== undefined) return exitCode;
		signal("SIGTERM");
		const timer = setTimeout(() => signal("SIGKILL"), graceMs);
		const code = await exited;
		clearTimeout(timer);
		return code;
	};
	try {
		await waitHealthy(
			`${url}${spec.healthPath ?? "/healthz"}`,
			spec.startTimeoutMs ?? 30_000,
			spec.pollMs ?? 100,
			() => exitCode !== undefined,
		);
	} catch (error) {
		await stop(2_000);
		throw new Error(
			`${spec.name} did not start: ${error instanceof Error ? error.message : String(error)}\n--- ${spec.name} output ---\n${tail}`,
		);
	}
	return {
		name: spec.name,
		url,
		port,
		pid: child.pid ?? -1,
		stop,
		output: () => tail,
		cpuMs: () => processCpuMs(child.pid ?? -1),
	};
}

async function waitHealthy(
	url: string,
	timeoutMs: number,
	pollMs: number,
	hasExited: () => boolean,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (hasExited()) throw new Error("the process exited");
		try {
			const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
			await response.arrayBuffer();
			if (response.ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, pollMs));
	}
	throw new Error(`no 2xx from ${url} within ${timeoutMs} ms`);
}
