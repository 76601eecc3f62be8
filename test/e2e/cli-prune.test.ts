/**
 * `plumb prune` and the worker's scheduled prune as real child processes, on PostgreSQL
 * (DATABASE_URL) and on the embedded database (PLUMB_DATA_DIR).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, uuidAt } from "../../src/store/index.ts";
import { runPlumb, runPlumbToEnd, waitFor } from "../support/child.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { ago, DAY } from "../support/rows.ts";

describe.each(backends)("plumb prune on %s", (backend: Backend) => {
	let dataDir: string;
	let testDb: TestDb | undefined;

	beforeEach(async () => {
		dataDir = mkdtempSync(join(tmpdir(), "plumb-prune-"));
		testDb = backend === "pg" ? await freshDb("pg") : undefined;
	});
	afterEach(async () => {
		await testDb?.dispose();
		testDb = undefined;
		rmSync(dataDir, { recursive: true, force: true });
	});

	const env = (extra: Record<string, string> = {}) => ({
		PLUMB_DATA_DIR: dataDir,
		...(testDb?.url ? { DATABASE_URL: testDb.url } : {}),
		LOG_LEVEL: "warn",
		...extra,
	});
	const run = (args: string[], extra: Record<string, string> = {}) =>
		runPlumbToEnd(args, env(extra));
	/** Runs `sql` on the test database from this process (the embedded one only while no child holds it). */
	async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
		const db = await openDb({ url: testDb?.url, dataDir });
		try {
			return await db.query<T>(sql, params);
		} finally {
			await db.close();
		}
	}
	/** Processed events received `days` ago, one per entry, in one statement. */
	const seed = (days: number[]) =>
		query(
			`insert into plumb.events (id, type, source, external_id, occurred_at, correlation_id, data, payload, status)
			 select id, 'payment_succeeded', 'stripe', 'evt_' || id, now(), 'req', '{}', '{"raw": true}', 'processed'
			 from unnest($1::uuid[]) as id`,
			[
				days.map(
					(d, n) =>
						`${uuidAt(ago(d * DAY)).slice(0, 24)}${String(n).padStart(12, "0")}`,
				),
			],
		);
	const counts = async () =>
		(
			await query<{ events: number; kept: number }>(
				"select count(*)::int as events, (count(*) filter (where payload is not null))::int as kept from plumb.events",
			)
		)[0];

	it("removes old payloads and says what it removed; a bad argument is refused before touching the database", async () => {
		expect((await run(["migrate"])).code).toBe(0);
		await seed([40, 40, 1]);

		const bad = await run(["prune", "now"]);
		expect(bad.code).toBe(2);
		expect(bad.out).toContain("Usage: plumb prune");

		const done = await run(["prune"]);
		expect(done.code, done.out).toBe(0);
		expect(done.out).toMatch(
			/Pruned in [\d.]+ s: 2 event payloads removed, 0 delivery attempts deleted, 0 ended sessions deleted, 0 resolved alerts deleted, 0 idle rate buckets deleted\./,
		);
		expect(await counts()).toEqual({ events: 3, kept: 1 });
	});

	it.runIf(backend === "pg")(
		"the worker prunes on its own every PLUMB_PRUNE_EVERY",
		async () => {
			await seed([10]);
			const worker = runPlumb(
				["worker"],
				env({ PLUMB_PRUNE_EVERY: "1s", PLUMB_RETENTION_PAYLOADS: "7d" }),
			);
			try {
				await waitFor(async () => (await counts())?.kept === 0, 20_000);
			} finally {
				worker.process.kill("SIGTERM");
				await worker.exited;
			}
		},
	);
});
