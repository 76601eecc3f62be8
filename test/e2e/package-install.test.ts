/**
 * The npm package a user installs: `npm pack` → `npm install ./that.tgz` in an empty folder →
 * `npx plumb start`, and (with TEST_DATABASE_URL) Deno serving the installed package's `./edge`. The
 * suite checks what the tarball holds (fast, from the current build); the whole round trip (a minute
 * or two: a build, an install) runs with `npm run test:package`.
 */
import { execFileSync, spawn } from "node:child_process";
import {
	existsSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadMigrations } from "../../src/store/index.ts";
import { TEST_STRIPE_SECRET } from "../support/app.ts";
import { freePort, isAlive, waitFor } from "../support/child.ts";
import { backends, freshDb } from "../support/db.ts";
import { serveEdgeEntry } from "../support/deno.ts";
import { stripeFixture, stripeRequest } from "../support/stripe.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const NAME = "@plumb-dev/plumb";

function npm(args: string[], cwd: string): string {
	return execFileSync("npm", [...args, "--no-audit", "--no-fund"], {
		cwd,
		encoding: "utf8",
		stdio: ["ignore", "pipe", "pipe"],
		timeout: 240_000,
	});
}

/** Deno serves the installed package's `./edge` export (what a Supabase function imports by npm: name). */
async function servesEdgeFromPackage(userDir: string): Promise<void> {
	const testDb = await freshDb("pg");
	const entry = join(userDir, "edge.ts");
	writeFileSync(
		entry,
		[
			`import { createEdgeIngest } from "${NAME}/edge";`,
			'const ingest = createEdgeIngest(Deno.env.toObject(), { basePath: "/plumb" });',
			"export default { fetch: (request: Request) => ingest.fetch(request) };",
		].join("\n"),
	);
	const port = await freePort();
	const deno = serveEdgeEntry({
		port,
		databaseUrl: testDb.url as string,
		env: { STRIPE_WEBHOOK_SECRET: TEST_STRIPE_SECRET },
		entry: { path: entry, root: userDir },
	});
	try {
		await waitFor(
			async () =>
				(await fetch(`http://127.0.0.1:${port}/plumb/readyz`)).status === 200,
			30_000,
		).catch(() => {
			throw new Error(`deno never served the package:\n${deno.output()}`);
		});
		const res = await fetch(
			`http://127.0.0.1:${port}/plumb/webhooks/stripe`,
			stripeRequest(stripeFixture("invoice.paid")),
		);
		expect(res.status).toBe(200);
		expect(
			await testDb.db.query("select source, type from plumb.events"),
		).toEqual([{ source: "stripe", type: "payment_succeeded" }]);
	} finally {
		if (isAlive(deno)) deno.process.kill("SIGKILL");
		await deno.exited;
		await testDb.dispose();
	}
}

describe("the installable package", () => {
	it("is scoped and public, keeps `plumb` as its command, and packs the built dist, every migration and the PGlite template, no sources", async () => {
		const [pack] = JSON.parse(
			npm(
				["pack", "--dry-run", "--json", "--ignore-scripts", "--offline"],
				ROOT,
			),
		) as Array<{ name: string; files: Array<{ path: string }> }>;
		expect(pack?.name).toBe(NAME);
		const files = new Set(pack?.files.map((file) => file.path));
		for (const path of [
			"bin/plumb.js",
			"dist/main.js",
			"dist/edge.js",
			"dist/client/index.js",
			"package.json",
		])
			expect(files, path).toContain(path);
		for (const migration of await loadMigrations())
			expect(files).toContain(`dist/store/db/migrations/${migration.name}.sql`);
		const templates = [...files].filter((path) =>
			/^dist\/pglite-templates\/pglite-[^/]+\/PG_VERSION$/.test(path),
		);
		expect(templates).toHaveLength(1);
		// Only the script that makes `prepare` a no-op in the installed package.
		expect(
			[...files].filter((path) => /^(src|test|scripts|bench)\//.test(path)),
		).toEqual(["scripts/prepare.mjs"]);
		const manifest = JSON.parse(
			readFileSync(join(ROOT, "package.json"), "utf8"),
		) as Record<string, unknown>;
		expect(manifest).not.toHaveProperty("private");
		expect(manifest).toMatchObject({
			bin: { plumb: "bin/plumb.js" },
			publishConfig: { access: "public" },
		});
	});

	describe.runIf(process.env.PLUMB_PACKAGE_FULL === "1")(
		"npm pack → npm install ./that.tgz in an empty folder → npx plumb start",
		() => {
			const cleanups: Array<() => void> = [];
			afterEach(() => {
				for (const cleanup of cleanups.splice(0).reverse()) cleanup();
			});

			it("starts on the embedded database from the packed template and stores a signed Stripe event", async () => {
				const packDir = mkdtempSync(join(tmpdir(), "plumb-pack-"));
				const userDir = mkdtempSync(join(tmpdir(), "plumb-user-"));
				cleanups.push(() => {
					rmSync(packDir, { recursive: true, force: true });
					rmSync(userDir, { recursive: true, force: true });
				});
				npm(["pack", "--pack-destination", packDir], ROOT);
				const [tarball] = readdirSync(packDir);
				npm(["init", "-y"], userDir);
				npm(
					["install", "--prefer-offline", join(packDir, tarball ?? "")],
					userDir,
				);
				// What approving the package's install script would run: nothing to build there.
				expect(
					npm(["run", "prepare"], join(userDir, "node_modules", NAME)),
				).not.toContain("tsc");

				const port = await freePort();
				const started = Date.now();
				// Its own process group (npx → npm exec → node), ended through that group's id.
				const plumb = spawn("npx", ["plumb", "start"], {
					cwd: userDir,
					detached: true,
					stdio: ["ignore", "pipe", "pipe"],
					env: {
						PATH: process.env.PATH ?? "",
						HOME: process.env.HOME ?? "",
						PORT: String(port),
						STRIPE_WEBHOOK_SECRET: TEST_STRIPE_SECRET,
					},
				});
				let output = "";
				plumb.stdout.on("data", (chunk) => {
					output += String(chunk);
				});
				plumb.stderr.on("data", (chunk) => {
					output += String(chunk);
				});
				cleanups.push(() => {
					if (plumb.pid !== undefined && plumb.exitCode === null)
						process.kill(-plumb.pid, "SIGKILL");
				});
				const url = `http://127.0.0.1:${port}`;
				await waitFor(
					async () => (await fetch(`${url}/readyz`)).status === 200,
					30_000,
				).catch(() => {
					throw new Error(`npx plumb start never became ready:\n${output}`);
				});
				const readyMs = Date.now() - started;
				const res = await fetch(
					`${url}/webhooks/stripe`,
					stripeRequest(stripeFixture("invoice.paid")),
				);
				expect(res.status).toBe(200);
				expect(await res.json()).toMatchObject({ duplicate: false });
				// The installed package's own `plumb`, not a stale-build check of a checkout.
				expect(output).not.toContain("sources changed");
				expect(output).toContain('"outcome":"ready"');
				// The data directory began as a copy of the packed template, not as initdb.
				expect(
					existsSync(join(userDir, ".plumb/data/plumb-empty-directories.txt")),
				).toBe(true);
				process.stdout.write(`npx plumb start ready in ${readyMs} ms\n`);
				if (backends.includes("pg")) await servesEdgeFromPackage(userDir);
			}, 300_000);
		},
	);
});
