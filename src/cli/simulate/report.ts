/** The acceptance report `plumb simulate` prints, and its progress: a bar on a terminal, plain lines otherwise. */
import type { Check } from "./checks.ts";
import type { RunReport } from "./run.ts";

const WIDTH = 24;

/** Progress to `out`: one redrawn bar on a TTY, one line per step elsewhere (logs, CI). */
export function progressPrinter(out: NodeJS.WriteStream) {
	let drawn = false;
	return {
		step(done: number, total: number, what: string) {
			if (out.isTTY) {
				const filled = Math.round((done / Math.max(total, 1)) * WIDTH);
				const bar = `${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}`;
				const columns = out.columns ?? 80;
				const line = `${bar} ${done}/${total} ${what}`.slice(0, columns - 1);
				out.write(`\r\x1b[2K${line}`);
				drawn = true;
			} else out.write(`[${done}/${total}] ${what}\n`);
		},
		/** Clears the bar before the report is printed. */
		end() {
			if (drawn) out.write("\r\x1b[2K");
			drawn = false;
		},
	};
}

function lines(
	title: string,
	items: ReadonlyArray<{ mark: string; text: string }>,
) {
	return items.length === 0
		? []
		: [title, ...items.map((item) => `  ${item.mark} ${item.text}`), ""];
}

/** The report as text; the last line is the verdict. */
export function renderReport(
	report: RunReport,
	heading: string,
	vendorChecks: readonly Check[],
): string {
	const isVendor = (check: Check) =>
		vendorChecks.some((v) => v.text === check.text);
	const failed =
		[...report.sent, ...report.checks].filter((c) => c.mark === "✗").length +
		(report.stopped === undefined ? 0 : 1);
	const good = report.checks.filter((c) => c.mark === "✓").length;
	const out = [
		heading,
		"",
		...lines(
			"Sent",
			report.sent.map((s) => ({
				mark: s.mark,
				text: `${s.what} → ${s.answer}`,
			})),
		),
		...lines(
			"Resulting state (admin API)",
			report.checks.filter((c) => !isVendor(c)),
		),
		...lines(
			"What each vendor stand-in received",
			report.checks.filter(isVendor),
		),
	];
	if (report.stopped !== undefined)
		out.push(`✗ Stopped: ${report.stopped}`, "");
	out.push(
		passed(report)
			? `PASS: ${good} check${good === 1 ? "" : "s"} ✓`
			: `FAIL: ${failed} ✗ (${good} ✓)`,
	);
	return `${out.join("\n")}\n`;
}

/** True when the run finished and nothing is ✗. */
export function passed(report: RunReport): boolean {
	return (
		report.stopped === undefined &&
		[...report.sent, ...report.checks].every((c) => c.mark !== "✗")
	);
}
