/**
 * `npm run bench:admin`: a production build of Plumb (`plumb serve`) on a fresh PostgreSQL database
 * loaded with 100,000 events and 300,000 deliveries (bench/admin-load.ts; BENCH_ADMIN_EVENTS=1000000
 * for a million, with 3 million deliveries). Every dashboard query the
 * issue names is measured through HTTP, sequentially, many samples each (searches rotate through
 * customers so no answer is served from one warm page): p95 must be ≤ 100 ms. The baseline is
 * GET /readyz, one trivial query through the same HTTP stack. BENCH_ADMIN_PRUNE=1 then times one
 * `plumb prune` over the same data (bench/admin-prune.ts). Writes bench/results/admin-<time>.json.
 */
import { LOAD_SQL, SIZES, VACUUM_SQL } from "./admin-load.ts";
import { measurePrune, type PruneMeasurement } from "./admin-prune.ts";
import { adminTargets, login, someone, TOKEN } from "./admin-targets.ts";
import { runBench } from "./support/cleanup.ts";
import { preparePlumb, REPO_ROOT, startPlumb } from "./support/plumb.ts";
import { createBenchDatabase } from "./support/postgres.ts";
import {
	Checks,
	heading,
	printMachine,
	summary,
	writeResults,
} from "./support/report.ts";
import { int, ms, percentile, table, verdict } from "./support/stats.ts";

const SAMPLES = Number(process.env.BENCH_ADMIN_SAMPLES ?? 200);
const WARMUP = 10;
const GOAL_P95_MS = 100;
const PRUNE = process.env.BENCH_ADMIN_PRUNE === "1";
// A million events take several minutes just to load.
const HARD_LIMIT_S = SIZES.events > 100_000 ? 3_600 : 900;
const checks = new Checks();
const say = (line = "") => process.stdout.write(`${line}\n`);

interface Row {
	name: string;
	p50: number;
	p95: number;
	p99: number;
	max: number;
	mean: number;
	baseline: boolean;
}

await runBench("bench:admin", HARD_LIMIT_S, async (cleanup) => {
	const machine = printMachine("bench:admin", say);
	const bench = await createBenchDatabase("plumb_bench_admin");
	cleanup.defer(`drop ${bench.name}`, () => bench.drop());
	const plumb = await preparePlumb();
	cleanup.defer("remove the private build", () => plumb.dispose());
	say(`Plumb: ${plumb.mode}`);
	const server = await startPlumb(plumb, {
		DATABASE_URL: bench.url,
		ADMIN_TOKEN: TOKEN,
		LOG_LEVEL: "warn",
		NODE_ENV: "production",
	});
	cleanup.defer("stop plumb", () => server.stop());

	say(heading("loading"));
	const loadStarted = performance.now();
	await bench.query(LOAD_SQL);
	// What autovacuum does to a table that has been in use a while: sets the visibility map, so the
	// dashboard's counts are index-only scans (docs/scaling.md). Measured right after a bulk load
	// without it, every count reads the heap (the deliveries list at 1M: 415 ms instead of 28 ms).
	await bench.query(VACUUM_SQL);
	const [counts] = await bench.query<{
		events: number;
		deliveries: number;
		attempts: number;
		customers: number;
	}>(
		`select (select count(*)::int from plumb.events) as events, (select count(*)::int from plumb.deliveries) as deliveries,
		        (select count(*)::int from plumb.delivery_attempts) as attempts, (select count(*)::int from plumb.customers) as customers`,
	);
	say(
		`${int(counts?.events ?? 0)} events, ${int(counts?.deliveries ?? 0)} deliveries, ${int(counts?.attempts ?? 0)} attempts, ${int(counts?.customers ?? 0)} customers in ${ms(performance.now() - loadStarted)}`,
	);
	checks.check(
		`${int(SIZES.events)} events loaded`,
		(counts?.events ?? 0) >= SIZES.events,
		int(counts?.events ?? 0),
	);
	checks.check(
		`${int(SIZES.events * SIZES.deliveriesPerEvent)} deliveries loaded`,
		(counts?.deliveries ?? 0) >= SIZES.events * SIZES.deliveriesPerEvent * 0.98,
		int(counts?.deliveries ?? 0),
	);
	const ids = async (sql: string) =>
		(await bench.query<{ id: string; n: number }>(sql)).map((r) => r.id);
	const typical = await ids(
		`select id from plumb.customers where email in (${Array.from({ length: 50 }, (_, i) => `'user${someone(i)}@example.com'`).join(", ")})`,
	);
	const [heavy] = await ids(
		"select id from plumb.customers where email = 'user1@example.com'",
	);
	const cookie = await login(server.url);

	const targets = adminTargets({ typical, heavy: heavy ?? "" });
	// A deep page: the 20th page of HubSpot deliveries, by its cursor.
	let cursor: string | null = null;
	for (let n = 0; n < 20; n++) {
		const res = await fetch(
			`${server.url}/admin/api/deliveries?destination=hubspot${cursor ? `&cursor=${cursor}` : ""}`,
			{ headers: { authorization: `Bearer ${TOKEN}` } },
		);
		cursor = ((await res.json()) as { next_cursor: string | null }).next_cursor;
	}
	targets.push({
		name: "deliveries ?destination=hubspot, 21st page (cursor)",
		path: () => `/admin/api/deliveries?destination=hubspot&cursor=${cursor}`,
		kind: "api",
	});

	say(
		heading(
			`measuring: ${SAMPLES} sequential requests each (after ${WARMUP} warm-up)`,
		),
	);
	const rows: Row[] = [];
	for (const target of targets) {
		const headers: Record<string, string> =
			target.kind === "api"
				? { authorization: `Bearer ${TOKEN}` }
				: target.kind === "page"
					? { cookie }
					: {};
		const latencies: number[] = [];
		let bad = 0;
		for (let i = 0; i < WARMUP + SAMPLES; i++) {
			const started = performance.now();
			const res = await fetch(`${server.url}${target.path(i)}`, {
				headers,
				redirect: "manual",
			});
			const body = await res.text();
			const elapsed = performance.now() - started;
			if (res.status !== 200) bad++;
			if (i === 0) {
				const ok = target.expect
					? body.includes(target.expect)
					: target.kind !== "api" ||
						(JSON.parse(body) as { items: unknown[] }).items.length > 0;
				checks.check(
					`${target.name}: answers what it should`,
					ok,
					`${res.status}, ${body.length} bytes`,
				);
			}
			if (i >= WARMUP) latencies.push(elapsed);
		}
		checks.check(
			`${target.name}: every answer 200`,
			bad === 0,
			`${bad} not 200`,
		);
		const sorted = Float64Array.from(latencies).sort();
		const row: Row = {
			name: target.name,
			p50: percentile(sorted, 50),
			p95: percentile(sorted, 95),
			p99: percentile(sorted, 99),
			max: sorted[sorted.length - 1] ?? Number.NaN,
			mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
			baseline: target.kind === "open",
		};
		rows.push(row);
		say(`· ${row.name}: p50 ${ms(row.p50)}, p95 ${ms(row.p95)}`);
		if (!row.baseline)
			checks.goal(row.name, row.p95 <= GOAL_P95_MS, `p95 ${ms(row.p95)}`);
	}

	say(heading("results"));
	say(
		table(
			[
				"query (through HTTP)",
				"p50",
				"p95",
				"p99",
				"max",
				`p95 ≤ ${GOAL_P95_MS} ms`,
			],
			rows.map((r) => [
				r.name,
				ms(r.p50),
				ms(r.p95),
				ms(r.p99),
				ms(r.max),
				r.baseline ? "(baseline)" : verdict(r.p95 <= GOAL_P95_MS),
			]),
		),
	);
	let prune: PruneMeasurement | undefined;
	if (PRUNE) {
		say(heading("prune"));
		prune = await measurePrune(plumb, bench, say);
	}
	say();
	say(summary(checks));
	const passed = checks.allCorrect && checks.goals.every((g) => g.ok);
	say(
		`\n${passed ? "PASS" : "FAIL"}: every dashboard query p95 ≤ ${GOAL_P95_MS} ms on ${int(counts?.events ?? 0)} events and ${int(counts?.deliveries ?? 0)} deliveries`,
	);
	const file = writeResults(`${REPO_ROOT}/bench/results`, "admin", {
		machine,
		sizes: SIZES,
		counts,
		samples: SAMPLES,
		rows,
		prune,
		checks,
	});
	say(`results: ${file}`);
	if (!passed) process.exitCode = 1;
});
