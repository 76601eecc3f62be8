/**
 * `plumb replay --url` as a real child process against a running instance on loopback: the replay
 * goes through the instance's admin API, never the local database (DATABASE_URL here points nowhere).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lockDataDir } from "../../src/cli/data-dir-lock.ts";
import { TEST_ADMIN_TOKEN } from "../support/app.ts";
import { freePort, runPlumbToEnd } from "../support/child.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { seedDeliveries } from "../support/delivery-worker.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const plumb = (args: string[], env: Record<string, string>) =>
	runPlumbToEnd(args, { LOG_LEVEL: "warn", ...env });

describe.each(backends)(
	"plumb replay --url through a running instance on %s",
	(backend: Backend) => {
		let testDb: TestDb;
		let server: TestServer;
		let nowhere: string;
		beforeEach(async () => {
			testDb = await freshDb(backend);
			server = await startTestServer(testDb.db);
			// Any attempt to open the database itself would fail loudly.
			nowhere = `postgres://plumb:pw@127.0.0.1:${await freePort()}/plumb`;
		});
		afterEach(async () => {
			await server.stop();
			await testDb.dispose();
		});

		const kill = (ids: readonly string[]) =>
			testDb.db.query(
				`update plumb.deliveries set status = 'dead', attempts = 3, dead_at = now(),
				   last_error = 'permanent failure, 3 attempts: rejected: 422'
				 where id = any($1::uuid[])`,
				[ids],
			);
		const statuses = async () =>
			Object.fromEntries(
				(
					await testDb.db.query<{ id: string; status: string }>(
						"select id, status from plumb.deliveries",
					)
				).map((row) => [row.id, row.status]),
			);
		const interventions = () =>
			testDb.db.query<{ actor: string; reason: string }>(
				"select actor, reason from plumb.interventions order by created_at",
			);

		it("requeues the dead of one destination, then one delivery, and records each once", async () => {
			const zendesk = await seedDeliveries(testDb.db, 3);
			const [hubspot = ""] = await seedDeliveries(testDb.db, 1, {
				destination: "hubspot",
				action: "crm_sync",
			});
			await kill([...zendesk, hubspot]);
			const env = { ADMIN_TOKEN: TEST_ADMIN_TOKEN, DATABASE_URL: nowhere };

			const bulk = await plumb(
				[
					..."replay --dead --destination zendesk --url".split(" "),
					server.url,
					...["--reason", "Zendesk token fixed"],
				],
				env,
			);
			expect(bulk, bulk.out).toMatchObject({ code: 0 });
			expect(bulk.out).toContain("Requeued 3 dead deliveries.");
			const after = await statuses();
			for (const id of zendesk) expect(after[id]).toBe("pending");
			expect(after[hubspot]).toBe("dead");
			expect(await interventions()).toEqual([
				{
					actor: expect.stringMatching(/^admin-api \(request /),
					reason: "Zendesk token fixed",
				},
			]);

			// Nothing dead is left for Zendesk: a no-op, and nothing recorded.
			const again = await plumb(
				["replay", "--dead", "--destination", "zendesk", "--url", server.url],
				env,
			);
			expect(again.code).toBe(0);
			expect(again.out).toContain(
				"No dead deliveries to replay; nothing was recorded.",
			);
			expect(await interventions()).toHaveLength(1);

			const one = await plumb(
				["replay", hubspot, "--url", `${server.url}/`],
				env,
			);
			expect(one, one.out).toMatchObject({ code: 0 });
			expect(one.out).toContain(`${hubspot}: `);
			expect((await statuses())[hubspot]).toBe("pending");
			expect(await interventions()).toHaveLength(2);
		});

		it("says what is wrong: unknown id, refused token, no token, nothing listening — and changes nothing", async () => {
			const [id = ""] = await seedDeliveries(testDb.db, 1);
			await kill([id]);
			const missing = "0190a0a0-0000-7000-8000-000000000000";
			const wrongToken = "wrong-admin-token-SENTINEL-0123456789";
			const closed = `http://127.0.0.1:${await freePort()}`;
			const [unknown, refused, noToken, down] = await Promise.all([
				plumb(["replay", missing, "--url", server.url], {
					ADMIN_TOKEN: TEST_ADMIN_TOKEN,
				}),
				plumb(["replay", id, "--url", server.url], {
					ADMIN_TOKEN: wrongToken,
				}),
				plumb(["replay", "--dead", "--url", server.url], {}),
				plumb(["replay", id, "--url", closed], {
					ADMIN_TOKEN: TEST_ADMIN_TOKEN,
				}),
			]);
			expect(unknown.code).toBe(1);
			expect(unknown.out).toContain(`No delivery has the id ${missing}.`);
			const host = new URL(server.url).host;
			expect(refused.code).toBe(1);
			expect(refused.out).toContain(
				`the instance at ${host} refused this ADMIN_TOKEN (401)`,
			);
			expect(refused.out).not.toContain("SENTINEL");
			expect(noToken.code).toBe(1);
			expect(noToken.out).toContain(
				`set ADMIN_TOKEN to the admin token of the instance at ${host}`,
			);
			expect(down.code).toBe(1);
			expect(down.out).toContain(
				`cannot reach ${new URL(closed).host}: connection refused`,
			);
			expect(down.out).not.toContain("fetch failed");
			expect((await statuses())[id]).toBe("dead");
			expect(await interventions()).toHaveLength(0);
		});
	},
);

describe("plumb replay without --url while an instance holds the embedded database", () => {
	let dataDir: string;
	let release: () => Promise<void>;
	beforeEach(async () => {
		dataDir = mkdtempSync(join(tmpdir(), "plumb-replay-held-"));
		// This process plays the running instance: it holds the data directory's lock.
		release = await lockDataDir(dataDir);
	});
	afterEach(async () => {
		await release();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it("says how to replay through the instance instead", async () => {
		const { code, out } = await runPlumbToEnd(
			["replay", "--dead", "--reason", "token fixed"],
			{ PLUMB_DATA_DIR: dataDir, PORT: "8788" },
		);
		expect(code).toBe(1);
		expect(out).toContain(`is in use by process ${process.pid}`);
		expect(out).toContain(
			'While it runs, replay through it: plumb replay --dead --reason "token fixed" --url http://127.0.0.1:8788 (with ADMIN_TOKEN).',
		);
	});
});
