import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, TEST_STRIPE_SECRET } from "../support/app.ts";
import { runPlumb, waitFor } from "../support/child.ts";
import { backends, freshDb } from "../support/db.ts";
import { stripeFixture, stripeRequest } from "../support/stripe.ts";

async function freePort(): Promise<number> {
	return new Promise((resolve) => {
		const server = createServer();
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

describe("plumb CLI as a child process", () => {
	let dataDir: string;
	beforeEach(() => {
		dataDir = mkdtempSync(join(tmpdir(), "plumb-cli-"));
	});
	afterEach(() => {
		rmSync(dataDir, { recursive: true, force: true });
	});

	it("start: serves on PGlite, stores a signed event, refuses a second process on the same data dir, drains on SIGTERM", async () => {
		const port = await freePort();
		const env = {
			PORT: String(port),
			PLUMB_DATA_DIR: dataDir,
			STRIPE_WEBHOOK_SECRET: TEST_STRIPE_SECRET,
			ADMIN_TOKEN: TEST_ADMIN_TOKEN,
		};
		const plumb = runPlumb(["start"], env);
		try {
			await waitFor(
				async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
				20_000,
			);
			const res = await fetch(
				`http://127.0.0.1:${port}/webhooks/stripe`,
				stripeRequest(stripeFixture("invoice.paid")),
			);
			expect(res.status).toBe(200);
			const list = await fetch(`http://127.0.0.1:${port}/admin/api/events`, {
				headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
			});
			expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(
				1,
			);

			const second = runPlumb(["start"], {
				...env,
				PORT: String(await freePort()),
			});
			expect(await second.exited).toBe(2);
			expect(second.output()).toMatch(/in use by process \d+/);
		} finally {
			plumb.process.kill("SIGTERM");
		}
		expect(await plumb.exited).toBe(0);
		expect(plumb.output()).toContain('"msg":"stopped"');
		expect(plumb.output()).not.toContain(TEST_STRIPE_SECRET);
		expect(plumb.output()).not.toContain(TEST_ADMIN_TOKEN);
	});

	it("start: names each missing secret once after ready, and / leads to the dashboard", async () => {
		const port = await freePort();
		const plumb = runPlumb(["start"], {
			PORT: String(port),
			PLUMB_DATA_DIR: dataDir,
		});
		try {
			await waitFor(
				async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
				20_000,
			);
			const home = await fetch(`http://127.0.0.1:${port}/`, {
				redirect: "manual",
			});
			expect(home.status).toBe(302);
			expect(home.headers.get("location")).toBe("/admin");
			await waitFor(
				() => plumb.output().includes("STRIPE_WEBHOOK_SECRET is not set"),
				5_000,
			);
		} finally {
			plumb.process.kill("SIGTERM");
		}
		expect(await plumb.exited).toBe(0);
		const warnings = plumb
			.output()
			.split("\n")
			.filter((line) => line.includes('"outcome":"missing_secret"'))
			.map((line) => JSON.parse(line) as { variable: string; msg: string });
		expect(warnings.map((w) => w.variable)).toEqual([
			"ADMIN_TOKEN",
			"STRIPE_WEBHOOK_SECRET",
		]);
		expect(warnings[0]?.msg).toMatch(
			/dashboard and the admin API refuse everyone/,
		);
		expect(warnings[1]?.msg).toMatch(/answered 503/);
	});

	it("stops on bad configuration with exit code 2, naming the variable and not its value", async () => {
		const plumb = runPlumb(["start"], {
			PLUMB_DATA_DIR: dataDir,
			STRIPE_WEBHOOK_SECRET: "sk_live_SENTINEL_value",
		});
		expect(await plumb.exited).toBe(2);
		expect(plumb.output()).toContain("STRIPE_WEBHOOK_SECRET");
		expect(plumb.output()).not.toContain("SENTINEL");
	});

	it("prints usage for help and refuses an unknown command", async () => {
		const help = runPlumb(["--help"], {});
		expect(await help.exited).toBe(0);
		expect(help.output()).toMatch(/Usage: plumb <command>/);
		const unknown = runPlumb(["frobnicate"], { PLUMB_DATA_DIR: dataDir });
		expect(await unknown.exited).toBe(2);
		expect(unknown.output()).toMatch(/Unknown command: frobnicate/);
	});

	it.runIf(backends.includes("pg"))(
		"migrate: applies migrations to DATABASE_URL and is idempotent",
		async () => {
			const testDb = await freshDb("pg", { migrated: false });
			try {
				const first = runPlumb(["migrate"], { DATABASE_URL: testDb.url ?? "" });
				expect(await first.exited).toBe(0);
				expect(first.output()).toMatch(/Applied: 0001_events/);
				const again = runPlumb(["migrate"], { DATABASE_URL: testDb.url ?? "" });
				expect(await again.exited).toBe(0);
				expect(again.output()).toMatch(/up to date/);
			} finally {
				await testDb.dispose();
			}
		},
	);
});
