/** Stacked bars by status (24 hours, or 30 days): inline SVG drawn on the server, with the totals as a legend. */
import type { FC } from "hono/jsx";

export interface Bar {
	start: Date;
	counts: Readonly<Record<string, number>>;
}

/** A bucket's size and how its start reads under the axis. */
export type Period = "hour" | "day";

const WIDTH = 480;
const HEIGHT = 150;
const TOP = 20;
// Room for labels big enough to read when the chart is shrunk to a phone's width.
const BOTTOM = 24;
const LABELS = 4;

export const BarChart: FC<{
	title: string;
	bars: readonly Bar[];
	statuses: readonly string[];
	period: Period;
}> = ({ title, bars, statuses, period }) => {
	const totals = bars.map((bar) =>
		statuses.reduce((sum, s) => sum + (bar.counts[s] ?? 0), 0),
	);
	const max = Math.max(1, ...totals);
	const step = WIDTH / Math.max(1, bars.length);
	const scale = (HEIGHT - TOP - BOTTOM) / max;
	const sums = statuses.map((s) =>
		bars.reduce((sum, bar) => sum + (bar.counts[s] ?? 0), 0),
	);
	const every = Math.max(1, Math.ceil(bars.length / LABELS));
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
										<title>{`${startLabel(bar.start, period)}: ${n} ${s.replaceAll("_", " ")}`}</title>
									</rect>
								);
							})}
							{i % every === 0 && (
								<text x={(i * step + 1).toFixed(1)} y={HEIGHT - 5}>
									{startLabel(bar.start, period)}
								</text>
							)}
						</g>
					);
				})}
				<text x={WIDTH - 2} y={TOP - 6} text-anchor="end">
					{`max ${max}/${period === "hour" ? "h" : "day"}`}
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

function startLabel(start: Date, period: Period): string {
	const iso = start.toISOString();
	return period === "hour" ? `${iso.slice(11, 13)}:00` : iso.slice(5, 10);
}

const PERIOD_MS: Readonly<Record<Period, number>> = {
	hour: 3_600_000,
	day: 86_400_000,
};

/** `count` buckets ending with the current one, filled from (start, status, n) rows. */
export function bars(
	rows: ReadonlyArray<{ start: Date; status: string; n: number }>,
	now: number,
	period: Period,
	count: number,
): Bar[] {
	const size = PERIOD_MS[period];
	const current = Math.floor(now / size) * size;
	const out: Bar[] = [];
	for (let i = count - 1; i >= 0; i--) {
		const start = current - i * size;
		const counts: Record<string, number> = {};
		for (const row of rows)
			if (new Date(row.start).getTime() === start)
				counts[row.status] = (counts[row.status] ?? 0) + row.n;
		out.push({ start: new Date(start), counts });
	}
	return out;
}
