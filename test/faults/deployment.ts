/**
 * One Plumb deployment for a fault family: its own database (on the shared server, or on a throwaway
 * cluster when the family restarts Postgres), a loopback TCP proxy in front of it that the test
 * controls, the HubSpot stand-in, and `plumb serve` + `plumb worker` as real child processes that
 * reach the database only through the proxy. The test itself reads the database directly.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { TEST_ADMIN_TOKEN, TEST_STRIPE_SECRET } from "../support/app.ts";
import {
	type Child,
	freePort,
	isAlive,
	runPlumb,
	waitFor,
} from "../support/child.ts";
import type { PgCluster } from "../support/pg-cluster.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { startHubSpotStandIn } from "../support/vendor-stand-ins.ts";
import { FULL } from "./volume.ts";

const HUBSPOT_TOKEN = "pat-na1-faults-0000-1111-2222";
/** The test's own connections, which the "terminate every Plumb backend" faults leave alone. */
const VERIFY_APP = "plumb-faults-verify";
const ARTIFACTS = new URL("../../test-artifacts/faults/", import.meta.url)
	.pathname;

/** PLUMB_FAULTS_DEBUG=1 narrates each step, to see where a run spends its time or hangs. */
export function step(what: string): void {
	if (process.env.PLUMB_FAULTS_DEBUG === "1")
		console.log(`[faults] ${new Date().toISOString()} ${what}`);
}

export type HubSpotStandIn = Awaited<ReturnType<typeof startHubSpotStandIn>>;
export type Role = "serve" | "worker";

export interface Deployment {
	/** The database's name on its server. */
	database: string;
	proxy: TcpProxy;
	hubspot: HubSpotStandIn;
	/** http://127.0.0.1:<port> of `plumb serve` (the same port across restarts). */
	url: string;
	processes: Record<Role, Child>;
	/** Direct (not proxied) connections to this deployment's database, for the checks. */
	verify: pg.Pool;
	/** Runs a statement on the server's maintenance database (database-level work). */
	admin(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
	/** pg_terminate_backend for every Plumb connection to this database; returns how many. */
	terminateBackends(): Promise<number>;
	/** Starts `role` again and waits until it is ready; returns milliseconds from spawn to ready. */
	start(role: Role): Promise<number>;
	/** SIGKILLs `role` and waits for it to be gone. */
	kill(role: Role): Promise<void>;
	/** "serve exited with code 1: <last lines>" for each process that is not alive. */
	deaths(): string[];
	/** Run first by dispose (a family's traffic, if a timeout left it running). */
	cleanups: Set<() => Promise<void>>;
	/** Starts again whichever process is not alive, so one family's crash does not sink the next. */
	ensureUp(): Promise<void>;
	dispose(): Promise<void>;
}

/**
 * The worker settings that keep a fault run short: no vendor rate limit, a short vendor timeout and
 * backoff. The lease stays longer than any fault (unless a family asks for a short one), so a
 * delivery sent twice is Plumb's doing, not an artefact of the test's settings.
 */
export const WORKER_ENV = {
	PLUMB_HUBSPOT_RATE: "unlimited",
	PLUMB_HUBSPOT_CONCURRENCY: "8",
	PLUMB_DELIVERY_TIMEOUT: "2s",
	PLUMB_DELIVERY_BACKOFF_BASE: "100ms",
	PLUMB_DELIVERY_BACKOFF_MAX: "1s",
	PLUMB_DELIVERY_POLL_INTERVAL: "250ms",
	PLUMB_DELIVERY_DRAIN_TIMEOUT: "1s",
};

/** The lines that say why a process died (an uncaught error), else its last lines. */
function tail(text: string): string {
	const lines = text.trim().split("\n");
	const why = lines.filter((line) =>
		/Emitted 'error'|^\w*Error\b|Error: |"level":"(error|fatal)"/.test(line),
	);
	return [...why.slice(0, 4), ...lines.slice(-3)].join("\n");
}

async function oneShot(
	url: string,
	sql: string,
	values?: unknown[],
): Promise<pg.QueryResult> {
	const client = new pg.Client({
		connectionString: url,
		application_name: VERIFY_APP,
	});
	client.on("error", () => {});
	await client.connect();
	try {
		return await client.query(sql, values);
	} finally {
		await client.end().catch(() => {});
	}
}

export async function deploy(
	options: {
		cluster?: PgCluster;
		/** PLUMB_DELIVERY_LEASE: a killed worker's deliveries are taken back after 1–2 leases. */
		lease?: string;
	} = {},
): Promise<Deployment> {
	const adminUrl = options.cluster?.url() ?? process.env.TEST_DATABASE_URL;
	if (!adminUrl) throw new Error("TEST_DATABASE_URL is not set");
	const database = `plumb_f_${inject("runId")}_${randomBytes(4).toString("hex")}`;
	const admin = (sql: string, values?: unknown[]) =>
		oneShot(adminUrl, sql, values);
	// On the shared server, copy the migrated template; a throwaway cluster is migrated by Plumb at start.
	const template = options.cluster ? "" : ` template ${inject("pgTemplate")}`;
	step(`creating ${database}`);
	await admin(`create database ${database}${template}`);

	const direct = new URL(adminUrl);
	direct.pathname = `/${database}`;
	const proxy = await startTcpProxy({
		host: direct.hostname,
		port: Number(direct.port || 5432),
	});
	const viaProxy = new URL(direct);
	viaProxy.port = String(proxy.port);
	const verify = new pg.Pool({
		connectionString: direct.toString(),
		max: 4,
		application_name: VERIFY_APP,
	});
	verify.on("error", () => {});
	const hubspot = await startHubSpotStandIn({ token: HUBSPOT_TOKEN });
	const port = await freePort();
	const env: Record<string, string> = {
		DATABASE_URL: viaProxy.toString(),
		PORT: String(port),
		STRIPE_WEBHOOK_SECRET: TEST_STRIPE_SECRET,
		ADMIN_TOKEN: TEST_ADMIN_TOKEN,
		HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
		HUBSPOT_BASE_URL: hubspot.url,
		LOG_LEVEL: "info",
		...WORKER_ENV,
		PLUMB_DELIVERY_LEASE: options.lease ?? (FULL ? "60s" : "20s"),
	};
	const url = `http://127.0.0.1:${port}`;
	const processes = {} as Record<Role, Child>;
	const spawned: Array<{ role: Role; child: Child }> = [];
	const spawnRole = (role: Role) => {
		processes[role] = runPlumb([role], env);
		spawned.push({ role, child: processes[role] });
	};
	const ready = async (role: Role, timeoutMs: number): Promise<number> => {
		const spawned = Date.now();
		spawnRole(role);
		const child = processes[role];
		await waitFor(async () => {
			if (!isAlive(child))
				throw new Error(
					`${role} exited while starting:\n${tail(child.output())}`,
				);
			if (role === "worker")
				return child.output().includes("delivery worker started");
			return (await fetch(`${url}/readyz`)).status === 200;
		}, timeoutMs).catch((error: Error) => {
			throw isAlive(child)
				? new Error(
						`${role} not ready in ${timeoutMs} ms:\n${tail(child.output())}`,
					)
				: new Error(
						`${role} exited while starting (code ${child.process.exitCode}):\n${tail(child.output())}`,
						{ cause: error },
					);
		});
		return Date.now() - spawned;
	};
	const kill = async (role: Role) => {
		const child = processes[role];
		if (isAlive(child)) child.process.kill("SIGKILL");
		await child.exited;
	};

	const deployment: Deployment = {
		database,
		proxy,
		hubspot,
		url,
		processes,
		verify,
		admin,
		async terminateBackends() {
			const result = await admin(
				`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
				 where datname = $1 and pid <> pg_backend_pid() and application_name <> $2`,
				[database, VERIFY_APP],
			);
			return (result.rows[0] as { n: number }).n;
		},
		start: (role) => ready(role, 30_000),
		kill,
		deaths() {
			return (Object.keys(processes) as Role[])
				.filter((role) => !isAlive(processes[role]))
				.map((role) => {
					const child = processes[role];
					const how =
						child.process.signalCode ?? `code ${child.process.exitCode}`;
					return `${role} exited (${how}):\n${tail(child.output())}`;
				});
		},
		async ensureUp() {
			for (const role of Object.keys(processes) as Role[])
				if (!isAlive(processes[role])) await ready(role, 30_000);
		},
		cleanups: new Set(),
		async dispose() {
			step("disposing");
			for (const cleanup of deployment.cleanups) await cleanup();
			for (const { child } of spawned) {
				if (isAlive(child) && child.process.pid !== undefined)
					process.kill(child.process.pid, "SIGKILL");
				await child.exited;
			}
			// Every process's log, for reading after a failure.
			mkdirSync(ARTIFACTS, { recursive: true });
			for (const [i, { role, child }] of spawned.entries())
				writeFileSync(
					join(ARTIFACTS, `${database}-${i}-${role}.log`),
					child.output(),
				);
			await verify.end().catch(() => {});
			await proxy.close();
			await hubspot.close();
			await admin(`drop database if exists ${database} with (force)`).catch(
				() => {},
			);
			step("disposed");
		},
	};
	try {
		// Both at once: each applies migrations under an advisory lock, so racing is safe.
		step("starting serve and worker");
		await Promise.all([ready("serve", 30_000), ready("worker", 30_000)]);
		step("serve and worker ready");
	} catch (error) {
		await deployment.dispose();
		throw error;
	}
	return deployment;
}
