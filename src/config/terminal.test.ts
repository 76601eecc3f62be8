import { describe, expect, it } from "vitest";
import { colorWanted } from "./index.ts";

describe("colorWanted", () => {
	it("colours a terminal, never a pipe; NO_COLOR turns it off, FORCE_COLOR on", () => {
		expect(colorWanted(true, {})).toBe(true);
		expect(colorWanted(false, {})).toBe(false);
		expect(colorWanted(true, { NO_COLOR: "1" })).toBe(false);
		// An empty NO_COLOR does not count (no-color.org).
		expect(colorWanted(true, { NO_COLOR: "" })).toBe(true);
		expect(colorWanted(true, { TERM: "dumb" })).toBe(false);
		expect(colorWanted(false, { FORCE_COLOR: "1" })).toBe(true);
		expect(colorWanted(false, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true);
		expect(colorWanted(true, { FORCE_COLOR: "0" })).toBe(true);
		expect(colorWanted(false, { FORCE_COLOR: "0" })).toBe(false);
	});
});
