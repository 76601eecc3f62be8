import { describe, expect, it } from "vitest";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import { databaseFacts } from "./doctor.ts";

describe.each(backends)("what plumb doctor reads on %s", (backend: Backend) => {
	const t = useFreshDb(backend);

	it("the database's clock and its version, as a number and as the bare release", async () => {
		const before = Date.now();
		const facts = await databaseFacts(t.db);
		const after = Date.now();
		// Same machine: the database's clock falls between our two readings (with a little slack).
		expect(facts.now.getTime()).toBeGreaterThanOrEqual(before - 1_000);
		expect(facts.now.getTime()).toBeLessThanOrEqual(after + 1_000);

		const [server] = await t.db.query<{ num: string; version: string }>(
			"select current_setting('server_version_num') as num, current_setting('server_version') as version",
		);
		expect(facts.versionNum).toBe(Number(server?.num));
		expect(facts.versionNum).toBeGreaterThanOrEqual(140_000);
		expect(facts.version).toMatch(/^\d+\.\d+$/);
		expect(server?.version.startsWith(facts.version)).toBe(true);
		expect(Math.floor(facts.versionNum / 10_000)).toBe(
			Number(facts.version.split(".")[0]),
		);
	});
});
