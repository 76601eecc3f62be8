import { describe, expect, it } from "vitest";
import { passed, progressPrinter, renderReport } from "./report.ts";
import type { RunReport } from "./run.ts";

function stream(isTTY: boolean) {
	const chunks: string[] = [];
	const out = {
		isTTY,
		columns: 60,
		write(chunk: string) {
			chunks.push(chunk);
			return true;
		},
	} as unknown as NodeJS.WriteStream;
	return { out, text: () => chunks.join("") };
}

describe("simulate's progress", () => {
	it("redraws one bar in place on a terminal, cut to its width, and clears it before the report", () => {
		const { out, text } = stream(true);
		const progress = progressPrinter(out);
		progress.step(0, 4, "Ada pays $20 (checkout.session.completed)");
		progress.step(2, 4, "Ada's payment succeeds (payment_intent.succeeded)");
		progress.end();
		const frames = text().split("\r\x1b[2K").filter(Boolean);
		expect(frames[0]).toMatch(/^░{24} 0\/4 Ada pays/);
		expect(frames[1]).toMatch(/^█{12}░{12} 2\/4 Ada's payment/);
		for (const frame of frames) expect(frame.length).toBeLessThan(60);
		expect(text()).not.toContain("\n");
		expect(text().endsWith("\r\x1b[2K")).toBe(true);
	});

	it("prints plain lines, no bar and no escape codes, when not on a terminal", () => {
		const { out, text } = stream(false);
		const progress = progressPrinter(out);
		progress.step(1, 4, "Ada pays $20 (checkout.session.completed) (again)");
		progress.end();
		expect(text()).toBe(
			"[1/4] Ada pays $20 (checkout.session.completed) (again)\n",
		);
	});
});

describe("simulate's report", () => {
	const ok: RunReport = {
		sent: [{ mark: "✓", what: "Ada pays $20", answer: "200" }],
		checks: [
			{ mark: "✓", text: "Ada: $20.00 payment succeeded" },
			{ mark: "–", text: "Ada: HubSpot skipped" },
			{ mark: "✓", text: "HubSpot stand-in: 3 call(s)" },
		],
	};

	it("groups what was sent, the state and the vendors, and ends with the verdict", () => {
		const text = renderReport(ok, "plumb simulate first-payment", [
			{ mark: "✓", text: "HubSpot stand-in: 3 call(s)" },
		]);
		expect(text).toBe(
			[
				"plumb simulate first-payment",
				"",
				"Sent",
				"  ✓ Ada pays $20 → 200",
				"",
				"Resulting state (admin API)",
				"  ✓ Ada: $20.00 payment succeeded",
				"  – Ada: HubSpot skipped",
				"",
				"What each vendor stand-in received",
				"  ✓ HubSpot stand-in: 3 call(s)",
				"",
				"PASS: 2 checks ✓",
				"",
			].join("\n"),
		);
		expect(passed(ok)).toBe(true);
	});

	it("fails on any ✗ and on a run that stopped, and counts the stop", () => {
		const failing: RunReport = {
			...ok,
			checks: [{ mark: "✗", text: "Ada: no payment for pi_1" }],
		};
		expect(passed(failing)).toBe(false);
		expect(renderReport(failing, "h", [])).toContain("FAIL: 1 ✗ (0 ✓)");
		const stopped: RunReport = { ...ok, stopped: "cannot reach the instance" };
		expect(passed(stopped)).toBe(false);
		expect(renderReport(stopped, "h", [])).toContain(
			"✗ Stopped: cannot reach the instance\n\nFAIL: 1 ✗ (2 ✓)",
		);
	});
});
