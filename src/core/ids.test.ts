import { describe, expect, it } from "vitest";
import { uuidv7 } from "./ids.ts";

const V7 =
	/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("uuidv7", () => {
	it("sets the version and variant bits and carries the millisecond timestamp", () => {
		const at = Date.UTC(2026, 10, 23, 12, 0, 0, 123);
		const id = uuidv7(at);
		expect(id).toMatch(V7);
		expect(Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)).toBe(at);
	});

	it("stays unique and sorted in minting order, within one millisecond and across many", () => {
		const sameMs = Date.now() + 60_000;
		const ids = Array.from({ length: 3_000 }, () => uuidv7(sameMs));
		for (let i = 0; i < 20_000; i++) ids.push(uuidv7());
		expect(new Set(ids).size).toBe(ids.length);
		expect([...ids].sort()).toEqual(ids);
		for (const id of ids) expect(id).toMatch(V7);
	});

	it("never goes backwards when the clock does", () => {
		const first = uuidv7(Date.now() + 120_000);
		const afterStep = uuidv7(Date.now());
		expect(afterStep > first).toBe(true);
	});

	it("gives every id its own random tail", () => {
		const seen = new Set(
			Array.from({ length: 1_000 }, () => uuidv7().slice(19)),
		);
		expect(seen.size).toBe(1_000);
	});
});
