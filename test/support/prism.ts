/**
 * Prism 5.14.2 mock servers generated from the vendors' own specs in ../shared/contracts
 * (TOOLS.md): one process per spec, on an ephemeral loopback port, spawned directly so its one
 * PID stops it. Every request Plumb sends is checked against the spec: Prism reports violations
 * in the `sl-violations` response header.
 */
import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { CONTRACTS_DIR } from "./contracts.ts";

const PRISM_CLI = fileURLToPath(
	new URL(
		"../../node_modules/@stoplight/prism-cli/dist/index.js",
		import.meta.url,
	),
);

export interface PrismServer {
	url: string;
	pid: number;
	stop(): Promise<void>;
}

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/** Starts `prism mock -d --seed 1 <spec>` and resolves once it listens (2–6 s). */
export async function startPrism(
	specRelativePath: string,
): Promise<PrismServer> {
	const port = await freePort();
	const child: ChildProcess = spawn(
		process.execPath,
		[
			PRISM_CLI,
			"mock",
			"-h",
			"127.0.0.1",
			"-p",
			String(port),
			// HubSpot's examples are all null: dynamic, seeded bodies instead (TOOLS.md).
			"-d",
			"--seed",
			"1",
			`${CONTRACTS_DIR}${specRelativePath}`,
		],
		{
			stdio: ["ignore", "pipe", "pipe"],
			env: { ...process.env, SCARF_ANALYTICS: "false" },
		},
	);
	let output = "";
	const exited = new Promise<void>((resolve) =>
		child.once("exit", () => resolve()),
	);
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill("SIGKILL");
			reject(
				new Error(`Prism did not start within 60 s:\n${output.slice(-2000)}`),
			);
		}, 60_000);
		const onData = (chunk: Buffer) => {
			output += String(chunk);
			if (output.includes("Prism is listening")) {
				clearTimeout(timer);
				resolve();
			}
		};
		child.stdout?.on("data", onData);
		child.stderr?.on("data", onData);
		child.once("exit", (code) => {
			clearTimeout(timer);
			reject(
				new Error(
					`Prism exited (${code}) before listening:\n${output.slice(-2000)}`,
				),
			);
		});
	});
	// Keep draining its log so a full pipe never blocks it.
	child.stdout?.resume();
	child.stderr?.resume();
	return {
		url: `http://127.0.0.1:${port}`,
		pid: child.pid ?? -1,
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill("SIGTERM");
			const killer = setTimeout(() => child.kill("SIGKILL"), 3_000);
			await exited;
			clearTimeout(killer);
		},
	};
}

export interface PrismExchange {
	method: string;
	path: string;
	status: number;
	/** Parsed `sl-violations`: Prism's findings on the request and on its own response. */
	violations: Array<{ location: string[]; message: string; severity: string }>;
}

/**
 * A fetch for connectors under test: it routes each path to the Prism serving it, adds a
 * `Prefer` header when a test asks for one (e.g. `code=429`), and records every exchange.
 */
export function prismFetch(
	routes: Array<{ prefix: string; server: PrismServer }>,
) {
	const exchanges: PrismExchange[] = [];
	let prefer: string | undefined;
	const fetchFn: typeof fetch = async (input, init) => {
		const original = new URL(String(input));
		const route = routes.find((r) => original.pathname.startsWith(r.prefix));
		if (route === undefined)
			throw new Error(`no Prism serves ${original.pathname}`);
		const target = new URL(
			`${original.pathname}${original.search}`,
			route.server.url,
		);
		const headers = new Headers(init?.headers);
		if (prefer !== undefined) headers.set("prefer", prefer);
		const response = await fetch(target, { ...init, headers });
		const raw = response.headers.get("sl-violations");
		const violations = raw
			? (JSON.parse(raw) as PrismExchange["violations"])
			: [];
		// When the spec has no error response to send, Prism answers an invalid request itself
		// (422 problem+json) and lists the violations in the body instead of the header.
		if (response.headers.get("content-type")?.includes("problem+json")) {
			const problem = (await response.clone().json()) as {
				validation?: PrismExchange["violations"];
			};
			for (const v of problem.validation ?? [])
				violations.push({ ...v, location: ["request", ...v.location] });
		}
		exchanges.push({
			method: init?.method ?? "GET",
			path: original.pathname,
			status: response.status,
			violations,
		});
		return response;
	};
	return {
		fetch: fetchFn,
		exchanges,
		/** Violations of the spec by what Plumb sent (Prism's response-side findings are its own). */
		requestViolations: () =>
			exchanges.flatMap((e) =>
				e.violations
					.filter((v) => v.location[0] === "request")
					.map((v) => ({ method: e.method, path: e.path, ...v })),
			),
		prefer(value: string | undefined) {
			prefer = value;
		},
	};
}
