/** Latency percentiles and plain-text tables for benchmark reports. */

export interface LatencySummary {
	count: number;
	p50: number;
	p90: number;
	p99: number;
	max: number;
	mean: number;
}

/** Nearest-rank percentile of an ascending array (no interpolation: every value was observed). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function summarize(latenciesMs: readonly number[]): LatencySummary {
	const sorted = Float64Array.from(latenciesMs).sort();
	let sum = 0;
	for (const value of sorted) sum += value;
	return {
		count: sorted.length,
		p50: percentile(sorted, 50),
		p90: percentile(sorted, 90),
		p99: percentile(sorted, 99),
		max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
		mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
	};
}

/** Milliseconds, or seconds past 1 s, so a queue blow-up reads as such. */
export const ms = (value: number): string => {
	if (!Number.isFinite(value)) return "n/a";
	if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
	return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
};

export const rate = (value: number): string =>
	Number.isFinite(value)
		? `${Math.round(value).toLocaleString("en-US")}/s`
		: "n/a";

export const int = (value: number): string => value.toLocaleString("en-US");

export const verdict = (pass: boolean): string => (pass ? "PASS" : "FAIL");

/** A fixed-width table: the first `leftColumns` columns (labels) left-aligned, the rest (numbers) right-aligned. */
export function table(
	header: readonly string[],
	rows: readonly (readonly string[])[],
	leftColumns = 1,
): string {
	const widths = header.map((cell, i) =>
		Math.max(cell.length, ...rows.map((row) => (row[i] ?? "").length)),
	);
	const line = (cells: readonly string[]) =>
		cells
			.map((cell, i) =>
				i < leftColumns
					? cell.padEnd(widths[i] ?? 0)
					: cell.padStart(widths[i] ?? 0),
			)
			.join("  ")
			.trimEnd();
	const rule = widths.map((width) => "-".repeat(width)).join("  ");
	return [line(header), rule, ...rows.map(line)].join("\n");
}
