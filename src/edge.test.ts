import { describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN } from "../test/support/app.ts";
import { closedPort } from "../test/support/vendor-stand-ins.ts";
import { createEdgeIngest } from "./edge.ts";

describe("the edge ingest (src/edge.ts)", () => {
	it("refuses to start without DATABASE_URL, naming it: an edge function has no disk for PGlite", () => {
		expect(() => createEdgeIngest({})).toThrow(
			/DATABASE_URL must be set at the edge, or SUPABASE_DB_URL/,
		);
	});

	it("serves the probes under its base path, and neither the dashboard nor /metrics", async () => {
		const ingest = createEdgeIngest(
			{
				DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/plumb`,
				ADMIN_TOKEN: TEST_ADMIN_TOKEN,
				LOG_LEVEL: "silent",
			},
			{ basePath: "/plumb" },
		);
		try {
			const at = (path: string, init?: RequestInit) =>
				ingest.fetch(new Request(`http://edge.test${path}`, init));
			const healthz = await at("/plumb/healthz");
			expect(healthz.status).toBe(200);
			expect(healthz.headers.get("cache-control")).toBe("no-store");
			const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
			for (const path of [
				"/plumb/",
				"/plumb/metrics",
				"/plumb/admin",
				"/plumb/admin/login",
				"/plumb/admin/api/events",
			]) {
				const res = await at(path, { headers: admin });
				expect(res.status, path).toBe(404);
				const text = await res.text();
				expect(JSON.parse(text), `${path}: ${text}`).toMatchObject({
					error: "not_found",
				});
			}
			// Outside the base path nothing is served at all.
			expect((await at("/healthz")).status).toBe(404);
		} finally {
			await ingest.close();
		}
	});
});
