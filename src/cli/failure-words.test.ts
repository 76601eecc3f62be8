import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { openPg } from "../store/index.ts";
import { databaseProblem, hostOf, unreachable } from "./failure-words.ts";

/** A loopback port with nothing listening on it (bound, then released). */
function closedPort(): Promise<number> {
	return new Promise((resolve) => {
		const server = createServer();
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/** The error a real connection attempt throws. */
async function failureOf(connectionString: string): Promise<unknown> {
	const db = openPg({ connectionString });
	try {
		await db.query("select 1");
	} catch (error) {
		return error;
	} finally {
		await db.close();
	}
	throw new Error("expected the connection to fail");
}

describe("databaseProblem", () => {
	it("names DATABASE_URL with host and port, never the password, when nothing listens", async () => {
		const port = await closedPort();
		const url = `postgres://plumb:pw-SENTINEL-123@127.0.0.1:${port}/plumb`;
		const words = databaseProblem(url, await failureOf(url));
		expect(words).toBe(
			`cannot reach the database at DATABASE_URL (127.0.0.1:${port}): connection refused (nothing listens there). Is it running, and are the host and port right?`,
		);
	});

	it.skipIf(!process.env.TEST_DATABASE_URL)(
		"says which part of DATABASE_URL to check when the server answers but refuses",
		async () => {
			const base = new URL(process.env.TEST_DATABASE_URL as string);
			const where = `DATABASE_URL (${base.hostname}:${base.port || "5432"})`;
			const noDb = new URL(base);
			noDb.pathname = "/plumb_no_such_database";
			expect(
				databaseProblem(noDb.toString(), await failureOf(noDb.toString())),
			).toBe(
				`the database at ${where} has no database by the name at the end of DATABASE_URL: create it or fix the name`,
			);
			const noRole = new URL(base);
			noRole.username = "plumb_no_such_role";
			noRole.password = "pw-SENTINEL-123";
			const words = databaseProblem(
				noRole.toString(),
				await failureOf(noRole.toString()),
			);
			expect(words).toMatch(
				new RegExp(
					`^the database at ${where.replace(/[()]/g, "\\$&")} refused the (login|user name or password)`,
				),
			);
			expect(words).not.toContain("SENTINEL");
		},
	);

	it("leaves other errors (and the embedded database) to their own words", () => {
		const syntax = Object.assign(new Error("syntax error"), { code: "42601" });
		expect(databaseProblem("postgres://db/x", syntax)).toBeUndefined();
		expect(databaseProblem(undefined, syntax)).toBeUndefined();
	});
});

describe("unreachable", () => {
	it("names the host and port fetch could not reach, not 'fetch failed'", async () => {
		const port = await closedPort();
		const url = `http://127.0.0.1:${port}/admin/api/trace?q=x`;
		const error = await fetch(url).catch((e: unknown) => e);
		expect(String(error)).toContain("fetch failed");
		expect(unreachable(url, error)).toBe(
			`cannot reach 127.0.0.1:${port}: connection refused (nothing listens there)`,
		);
		expect(
			unreachable(url, new DOMException("timed out", "TimeoutError")),
		).toBe(`127.0.0.1:${port} did not answer in time`);
		expect(hostOf("https://plumb.example.com/x")).toBe("plumb.example.com:443");
	});
});
