import { describe, expect, it } from "vitest";
import { logThrottle } from "./log-throttle.ts";

describe("logThrottle", () => {
	it("writes the first line at once, then one per interval with the count it held back", () => {
		let now = 0;
		const throttle = logThrottle(1_000, () => now);
		const written: number[] = [];
		const log = () => throttle((suppressed) => written.push(suppressed));
		log();
		now = 10;
		log();
		now = 500;
		log();
		expect(written).toEqual([0]);
		now = 1_000;
		log();
		now = 5_000;
		log();
		expect(written).toEqual([0, 2, 0]);
	});
});
