/**
 * `plumb trace` colours a terminal's output, honouring NO_COLOR and FORCE_COLOR, and writes plain text
 * into a pipe: real child processes against an instance on loopback.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN } from "../support/app.ts";
import { runPlumbToEnd } from "../support/child.ts";
import { freshDb, type TestDb } from "../support/db.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

describe("plumb trace colour", () => {
	let testDb: TestDb;
	let server: TestServer;
	beforeEach(async () => {
		testDb = await freshDb("pglite");
		server = await startTestServer(testDb.db);
	});
	afterEach(async () => {
		await server.stop();
		await testDb.dispose();
	});

	it("is plain into a pipe and with NO_COLOR, coloured with FORCE_COLOR", async () => {
		const trace = async (env: Record<string, string>) =>
			(
				await runPlumbToEnd(
					["trace", "nobody@example.com", "--url", server.url],
					{ ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOG_LEVEL: "warn", ...env },
				)
			).out;
		const [piped, noColor, forced] = await Promise.all([
			trace({}),
			trace({ NO_COLOR: "1" }),
			trace({ FORCE_COLOR: "1" }),
		]);
		for (const plain of [piped, noColor]) {
			expect(plain).toContain('Trace of "nobody@example.com"');
			expect(plain).not.toContain("\u001b[");
		}
		expect(forced).toContain('\u001b[1mTrace of "nobody@example.com"');
	});
});
