import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/index.ts";
import { databaseChecks } from "./database.ts";

describe("databaseChecks: the clock", () => {
	let dataDir: string;
	beforeEach(async () => {
		dataDir = await mkdtemp(join(tmpdir(), "plumb-doctor-"));
	});
	afterEach(async () => {
		await rm(dataDir, { recursive: true, force: true });
	});

	const clock = async (skewMs: number) => {
		const checks = await databaseChecks(
			loadConfig({ PLUMB_DATA_DIR: dataDir }),
			() => Date.now() + skewMs,
		);
		return checks.find((check) => check.title.startsWith("Clock:"));
	};

	it("passes within 60 s of the database, and fails past it with the fix", async () => {
		expect(await clock(0)).toMatchObject({ status: "pass" });
		expect(await clock(120_000)).toMatchObject({
			status: "fail",
			title: expect.stringMatching(/^Clock: 1\d\d s ahead of the database$/),
			fix: expect.stringContaining("NTP"),
		});
		expect(await clock(-120_000)).toMatchObject({
			status: "fail",
			title: expect.stringMatching(/^Clock: 1\d\d s behind the database$/),
		});
	});
});
