import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backends, freshDb, type TestDb } from "../../../test/support/db.ts";
import { startTcpProxy } from "../../../test/support/tcp-proxy.ts";
import { isDatabaseUnavailable } from "./db.ts";
import { openPg, pgAddress } from "./pg.ts";
import { listeningWakeup } from "./wakeup.ts";

/** Ends this test database's backends whose application_name matches, from a connection of its own. */
async function terminate(
	url: string,
	applicationName: string,
): Promise<number> {
	const admin = new pg.Client({ connectionString: url });
	admin.on("error", () => {});
	await admin.connect();
	try {
		const rows = await admin.query(
			`select pg_terminate_backend(pid) as ended from pg_stat_activity
			 where datname = current_database() and pid <> pg_backend_pid() and application_name = $1`,
			[applicationName],
		);
		return rows.rowCount ?? 0;
	} finally {
		await admin.end();
	}
}

/** Errors that would have killed the process: an 'error' event nobody listened to ends up here. */
function watchUncaught(): { errors: unknown[]; stop(): void } {
	const errors: unknown[] = [];
	const listener = (error: unknown) => errors.push(error);
	process.on("uncaughtException", listener);
	return {
		errors,
		stop: () => process.off("uncaughtException", listener),
	};
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("pgAddress", () => {
	it("shows host and port, never the user or the password", () => {
		expect(pgAddress("postgres://app:s3cret@db.example.com:6543/app")).toBe(
			"db.example.com:6543",
		);
		expect(pgAddress("postgres://app:s3cret@db.example.com/app")).toBe(
			"db.example.com:5432",
		);
		expect(pgAddress("not a url s3cret")).not.toContain("s3cret");
	});
});

describe.runIf(backends.includes("pg"))(
	"the pg adapter when a connection is lost",
	() => {
		let testDb: TestDb;
		let url: string;
		beforeEach(async () => {
			testDb = await freshDb("pg");
			url = testDb.url as string;
		});
		afterEach(async () => {
			await testDb.dispose();
		});

		it("a transaction whose connection is terminated rejects with a database-unavailable error; the process and the pool carry on", async () => {
			const uncaught = watchUncaught();
			const reported: Error[] = [];
			const db = openPg({
				connectionString: url,
				max: 2,
				onError: (error) => reported.push(error),
			});
			try {
				const failed = db
					.transaction(async (tx) => {
						await tx.query("create table public.loss_probe (n int)");
						// The connection dies while the transaction holds it, between two statements.
						expect(await terminate(url, "plumb")).toBe(1);
						await settle();
						await tx.query("select 1");
					})
					.then(
						() => undefined,
						(error: unknown) => error,
					);
				const error = await failed;
				await settle();
				expect(error).toBeInstanceOf(Error);
				expect(isDatabaseUnavailable(error)).toBe(true);
				expect(uncaught.errors).toEqual([]);
				expect(reported.length).toBeGreaterThan(0);
				// The broken connection was dropped, not reused; nothing of the transaction was kept.
				expect(
					await db.query("select to_regclass('public.loss_probe') as t"),
				).toEqual([{ t: null }]);
			} finally {
				uncaught.stop();
				await db.close();
			}
		});

		it("a statement in flight when its connection is terminated rejects the same way", async () => {
			const uncaught = watchUncaught();
			const db = openPg({ connectionString: url, max: 2 });
			try {
				const sleeping = db
					.transaction((tx) => tx.query("select pg_sleep(5)"))
					.then(
						() => undefined,
						(error: unknown) => error,
					);
				await new Promise((resolve) => setTimeout(resolve, 200));
				await terminate(url, "plumb");
				const error = await sleeping;
				await settle();
				expect(isDatabaseUnavailable(error)).toBe(true);
				expect(uncaught.errors).toEqual([]);
				expect(await db.query("select 1 as one")).toEqual([{ one: 1 }]);
			} finally {
				uncaught.stop();
				await db.close();
			}
		});

		it("idle pooled connections that are terminated are reported and replaced", async () => {
			const uncaught = watchUncaught();
			const reported: Error[] = [];
			const db = openPg({
				connectionString: url,
				max: 3,
				onError: (error) => reported.push(error),
			});
			try {
				await Promise.all(
					[1, 2, 3].map(() => db.query("select pg_sleep(0.05)")),
				);
				expect(await terminate(url, "plumb")).toBe(3);
				await settle();
				expect(uncaught.errors).toEqual([]);
				expect(reported.length).toBeGreaterThanOrEqual(3);
				expect(await db.query("select 1 as one")).toEqual([{ one: 1 }]);
			} finally {
				uncaught.stop();
				await db.close();
			}
		});

		it("a refused connection rejects as unavailable", async () => {
			const closed = new URL(url);
			closed.port = "1"; // nothing listens on port 1
			const db = openPg({ connectionString: closed.toString(), max: 1 });
			try {
				const error = await db.query("select 1").then(
					() => undefined,
					(e: unknown) => e,
				);
				expect(isDatabaseUnavailable(error)).toBe(true);
			} finally {
				await db.close();
			}
		});

		it("the LISTEN connection, lost for longer than one retry, keeps retrying and wakes waiters once the server is back", async () => {
			const uncaught = watchUncaught();
			const target = new URL(url);
			const proxy = await startTcpProxy({
				host: target.hostname,
				port: Number(target.port || 5432),
			});
			const viaProxy = new URL(url);
			viaProxy.port = String(proxy.port);
			const lost: Error[] = [];
			const wakeup = await listeningWakeup(
				viaProxy.toString(),
				["plumb_test"],
				(error) => lost.push(error),
			);
			const db = openPg({ connectionString: url, max: 1 });
			/** True when a NOTIFY ends a 3 s wait early: the LISTEN connection is up. */
			const notified = async () => {
				const started = Date.now();
				const waiting = wakeup.wait("plumb_test", 3_000);
				await new Promise((resolve) => setTimeout(resolve, 100));
				await db.query("select pg_notify('plumb_test', '')");
				await waiting;
				return Date.now() - started < 2_000;
			};
			try {
				expect(await notified()).toBe(true);
				// Down for 2.5 s: several reconnect attempts are refused before one gets through.
				await proxy.cut();
				await new Promise((resolve) => setTimeout(resolve, 2_500));
				expect(lost.length).toBeGreaterThan(1);
				await proxy.restore();
				let back = false;
				const deadline = Date.now() + 15_000;
				while (!back && Date.now() < deadline) back = await notified();
				expect(back).toBe(true);
				expect(uncaught.errors).toEqual([]);
			} finally {
				uncaught.stop();
				await wakeup.close();
				await db.close();
				await proxy.close();
			}
		});
	},
);
