/** The last 24 hours as stacked bars by status: inline SVG drawn on the server, with the numbers as a table. */
import type { FC } from "hono/jsx";

export interface HourBar {
	hour: Date;
	counts: Readonly<Record<string, number>>;
}

const WIDTH = 480;
const HEIGHT = 130;
const TOP = 8;
const BOTTOM = 16;

export const HourlyChart: FC<{
	title: string;
	bars: readonly HourBar[];
	statuses: readonly string[];
}> = ({ title, bars, statuses }) => {
	const totals = bars.map((bar) =>
		statuses.reduce((sum, s) => sum + (bar.counts[s] ?? 0), 0),
	);
	const max = Math.max(1, ...totals);
	const step = WIDTH / Math.max(1, bars.length);
	const scale = (HEIGHT - TOP - BOTTOM) / max;
	const sums = statuses.map((s) =>
		bars.reduce((sum, bar) => sum + (bar.counts[s] ?? 0), 0),
	);
	return (
		<figure>
			<svg
				class="chart"
				viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
				role="img"
				aria-label={`${title}: ${statuses.map((s, i) => `${sums[i]} ${s}`).join(", ")}`}
			>
				{bars.map((bar, i) => {
					let y = HEIGHT - BOTTOM;
					return (
						<g>
							{statuses.map((s) => {
								const n = bar.counts[s] ?? 0;
								if (n === 0) return null;
								const h = Math.max(1, n * scale);
								y -= h;
								return (
									<rect
										class={`s-${s}`}
										x={(i * step + 1).toFixed(1)}
										y={y.toFixed(1)}
										width={(step - 2).toFixed(1)}
										height={h.toFixed(1)}
									>
										<title>{`${hourLabel(bar.hour)}: ${n} ${s.replaceAll("_", " ")}`}</title>
									</rect>
								);
							})}
							{i % 6 === 0 && (
								<text x={(i * step + 1).toFixed(1)} y={HEIGHT - 3}>
									{hourLabel(bar.hour)}
								</text>
							)}
						</g>
					);
				})}
				<text x={WIDTH - 2} y={TOP + 2} text-anchor="end">
					{`max ${max}/h`}
				</text>
			</svg>
			<figcaption>
				<ul class="legend">
					{statuses.map((s, i) => (
						<li>
							<span class={`sw s-${s}`} />
							{`${s.replaceAll("_", " ")}: ${sums[i]}`}
						</li>
					))}
				</ul>
			</figcaption>
		</figure>
	);
};

function hourLabel(hour: Date): string {
	return `${hour.toISOString().slice(11, 13)}:00`;
}

/** 24 hourly buckets ending with the current hour, filled from (hour, status, n) rows. */
export function hourlyBars(
	rows: ReadonlyArray<{ hour: Date; status: string; n: number }>,
	now: number,
): HourBar[] {
	const current = Math.floor(now / 3_600_000) * 3_600_000;
	const bars: HourBar[] = [];
	for (let i = 23; i >= 0; i--) {
		const start = current - i * 3_600_000;
		const counts: Record<string, number> = {};
		for (const row of rows)
			if (row.hour.getTime() === start)
				counts[row.status] = (counts[row.status] ?? 0) + row.n;
		bars.push({ hour: new Date(start), counts });
	}
	return bars;
}
