import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openPg } from "../../src/store/index.ts";
import { adminQuery, backends, freshDb, type TestDb } from "../support/db.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { envelope, stripeObject, stripeRequest } from "../support/stripe.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

const CLIENTS = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(backends.includes("pg"))(
	"the HTTP API when its database connections are lost",
	() => {
		let testDb: TestDb;
		let proxy: TcpProxy;
		let server: TestServer;
		let closeDb: () => Promise<void>;
		const uncaught: unknown[] = [];
		const onUncaught = (error: unknown) => uncaught.push(error);

		beforeEach(async () => {
			uncaught.length = 0;
			process.on("uncaughtException", onUncaught);
			process.on("unhandledRejection", onUncaught);
			testDb = await freshDb("pg");
			const target = new URL(testDb.url as string);
			proxy = await startTcpProxy({
				host: target.hostname,
				port: Number(target.port || 5432),
			});
			const viaProxy = new URL(target);
			viaProxy.port = String(proxy.port);
			// As `plumb serve` opens it, with a short checkout timeout so a cut answers fast.
			const db = openPg({
				connectionString: viaProxy.toString(),
				max: 4,
				connectionTimeoutMillis: 1_000,
				onError: () => {},
			});
			closeDb = () => db.close();
			server = await startTestServer(db);
		});
		afterEach(async () => {
			await server.stop(100);
			await closeDb();
			await proxy.close();
			await testDb.dispose();
			process.off("uncaughtException", onUncaught);
			process.off("unhandledRejection", onUncaught);
		});

		it("under load, answers each webhook 200 or 503 database_unavailable (never a reset), stores each 200 once, and serves again once the database is back", async () => {
			const name = new URL(testDb.url as string).pathname.slice(1);
			const acked: string[] = [];
			const answers: Array<number | "reset"> = [];
			const bodies = new Set<string>();
			const send = async (id: string) => {
				try {
					const res = await fetch(
						`${server.url}/webhooks/stripe`,
						stripeRequest(
							envelope("charge.refunded", stripeObject("charge"), { id }),
						),
					);
					answers.push(res.status);
					const body = (await res.json()) as { error?: string };
					if (res.status === 200) acked.push(id);
					else bodies.add(String(body.error));
					return res.status;
				} catch {
					answers.push("reset");
					return 0;
				}
			};
			let running = true;
			const clients = Array.from({ length: CLIENTS }, async (_, client) => {
				for (let i = 0; running; i++) await send(`evt_loss_${client}_${i}`);
			});
			await sleep(600);
			// A failover or restart: every backend of this database ends, mid-transaction or idle.
			await adminQuery(
				`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`,
			);
			await sleep(600);
			// Then the network: every connection reset, new ones refused for a while.
			await proxy.cut();
			await sleep(800);
			const readyWhileDown = await fetch(`${server.url}/readyz`);
			expect(readyWhileDown.status).toBe(503);
			expect(await send("evt_loss_while_down")).toBe(503);
			await proxy.restore();
			await sleep(600);
			running = false;
			await Promise.all(clients);

			let ready = 0;
			for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
				ready = (await fetch(`${server.url}/readyz`)).status;
				if (ready === 200) break;
				await sleep(100);
			}
			expect(ready).toBe(200);
			expect(await send("evt_loss_after")).toBe(200);

			expect(uncaught).toEqual([]);
			expect(answers).not.toContain("reset");
			expect(new Set(answers)).toEqual(new Set([200, 503]));
			expect([...bodies]).toEqual(["database_unavailable"]);
			// Every event answered 200 is stored, exactly once.
			const stored = await testDb.db.query<{ external_id: string; n: number }>(
				"select external_id, count(*)::int as n from plumb.events group by external_id",
			);
			const counts = new Map(stored.map((row) => [row.external_id, row.n]));
			for (const id of acked) expect(counts.get(id)).toBe(1);
			expect([...counts.values()].every((n) => n === 1)).toBe(true);
		});

		it("a database that refuses writes answers 503 database_unavailable, never 2xx, and /readyz says so until it accepts them again", async () => {
			const name = new URL(testDb.url as string).pathname.slice(1);
			const setReadOnly = async (on: boolean) => {
				await adminQuery(
					`alter database ${name} ${on ? "set default_transaction_read_only = on" : "reset default_transaction_read_only"}`,
				);
				// The setting applies to new sessions: end the pooled ones.
				await adminQuery(
					`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`,
				);
			};
			const post = (id: string) =>
				fetch(
					`${server.url}/webhooks/stripe`,
					stripeRequest(
						envelope("charge.refunded", stripeObject("charge"), { id }),
					),
				);
			await setReadOnly(true);
			try {
				for (let i = 0; i < 3; i++) {
					const res = await post(`evt_read_only_${i}`);
					expect(res.status).toBe(503);
					expect(await res.json()).toMatchObject({
						error: "database_unavailable",
					});
				}
				const readyz = await fetch(`${server.url}/readyz`);
				expect(readyz.status).toBe(503);
				expect(await readyz.json()).toMatchObject({
					message: expect.stringMatching(/refuses writes/),
				});
			} finally {
				await setReadOnly(false);
			}
			await sleep(300);
			expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
			// Nothing was stored while it refused: the same event is new now.
			const after = await post("evt_read_only_0");
			expect(after.status).toBe(200);
			expect(await after.json()).toMatchObject({ duplicate: false });
			expect(uncaught).toEqual([]);
		});
	},
);
