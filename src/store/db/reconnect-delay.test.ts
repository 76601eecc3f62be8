import { describe, expect, it } from "vitest";
import { ReconnectDelay } from "./reconnect-delay.ts";

describe("ReconnectDelay", () => {
	it("doubles from 100 ms to a 5 s ceiling, jittered within the upper half of each step", () => {
		const low = new ReconnectDelay({ random: () => 0 });
		const high = new ReconnectDelay({ random: () => 1 });
		const lows = Array.from({ length: 9 }, () => low.next());
		const highs = Array.from({ length: 9 }, () => high.next());
		expect(highs).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
		expect(lows).toEqual(highs.map((ms) => ms / 2));
		expect(high.attempt).toBe(9);
	});

	it("starts over after a success, and says whether it ended an outage", () => {
		const delay = new ReconnectDelay({ random: () => 1 });
		expect(delay.reset()).toBe(false);
		delay.next();
		delay.next();
		expect(delay.reset()).toBe(true);
		expect(delay.attempt).toBe(0);
		expect(delay.next()).toBe(100);
	});
});
