/**
 * `npm run bench:hubspot`: a backfill's CRM syncs against HubSpot's stand-in on loopback, which
 * enforces a private app's 100 requests per rolling 10 s with 429s. On one PostgreSQL database,
 * with the production delivery settings and the real HubSpot connector:
 * (a) 10,000 due CRM syncs sent in batch upserts: time to drain, HubSpot requests, 429s;
 * (b) the same syncs one contact per call (the connector without its batch, at the old default of
 *     5 syncs/s) for a fixed time, projected to 10,000.
 * Writes bench/results/hubspot-<time>.json.
 */
import { loadConfig } from "../src/config/index.ts";
import { createHubSpotConnector } from "../src/connectors/index.ts";
import type { Connector } from "../src/core/index.ts";
import {
	createLogger,
	createMetrics,
	type Metrics,
} from "../src/observability/index.ts";
import { DELIVERIES_CHANNEL, startDeliveryWorker } from "../src/queue/index.ts";
import {
	type Db,
	listeningWakeup,
	migrate,
	openPg,
} from "../src/store/index.ts";
import { startHubSpotStandIn } from "../test/support/vendor-stand-ins.ts";
import { runBench } from "./support/cleanup.ts";
import { REPO_ROOT } from "./support/plumb.ts";
import { DELIVERIES_LEFT, quietLogger } from "./support/plumb-queue.ts";
import { type BenchDatabase, createBenchDatabase } from "./support/postgres.ts";
import { drained } from "./support/queue-drain.ts";
import {
	Checks,
	heading,
	printMachine,
	summary,
	writeResults,
} from "./support/report.ts";
import { int, rate, table } from "./support/stats.ts";

const S = {
	syncs: Number(process.env.BENCH_HUBSPOT_SYNCS ?? 10_000),
	/** HubSpot's limit for a private app on Free and Starter. */
	vendorLimit: { max: 100, windowMs: 10_000 },
	/** How long the one-contact-per-call baseline runs before it is projected. */
	baselineSeconds: 30,
	/** The baseline's rate: the default before batches (syncs per second, two requests each). */
	baselineRate: 5,
};
const HARD_LIMIT_S = 600;
const GOALS = { drainSeconds: 120, tooMany: 0 };
const TOKEN = "pat-na1-bench-0000-1111-2222";
const checks = new Checks();
const say = (line = "") => process.stdout.write(`${line}\n`);

/** `count` customers with an e-mail and a stage, each with one due CRM sync (a backfill's shape). */
async function seedSyncs(bench: BenchDatabase, tag: string, count: number) {
	await bench.query(
		`with people as (
		   insert into plumb.customers (email, name, tier, lifecycle_stage, plan, plan_status)
		   select $1 || n || '@example.com', 'Customer ' || n, 'standard', 'customer', 'pro_monthly', 'active'
		   from generate_series(1, $2::int) as n
		   returning id
		 )
		 insert into plumb.deliveries (destination, action, idempotency_key, customer_id)
		 select 'hubspot', 'crm_sync', 'bench:' || id, id from people`,
		[tag, count],
	);
}

interface Run {
	seconds: number;
	succeeded: number;
	requests: number;
	upserts: number;
	reads: number;
	tooMany: number;
	pauses: number;
	contacts: number;
}

/** One worker with `connector` and `hubspot` limits until `until` says stop; counts what HubSpot saw. */
async function runWorker(
	bench: BenchDatabase,
	db: Db,
	options: {
		tag: string;
		batched: boolean;
		rate: number;
		until: () => Promise<number>;
	},
): Promise<Run> {
	const vendor = await startHubSpotStandIn({
		token: TOKEN,
		rateLimit: S.vendorLimit,
	});
	const real = createHubSpotConnector(
		{ accessToken: TOKEN, baseUrl: vendor.url },
		{ logger: quietLogger(), fetch, now: Date.now },
	);
	// Without `batch`, the worker hands the connector one delivery per call, as before batches.
	const connector: Connector = options.batched
		? real
		: { destination: "hubspot", deliver: real.deliver };
	const defaults = loadConfig({}).delivery;
	const metrics: Metrics = createMetrics();
	const wakeup = await listeningWakeup(bench.url, [DELIVERIES_CHANNEL]);
	const started = performance.now();
	const worker = startDeliveryWorker({
		db,
		logger: process.env.BENCH_DEBUG
			? createLogger({ level: "warn", secretValues: [] })
			: quietLogger(),
		metrics,
		wakeup,
		connectors: { hubspot: connector },
		settings: {
			...defaults,
			limits: {
				...defaults.limits,
				hubspot: { ...defaults.limits.hubspot, ratePerSecond: options.rate },
			},
		},
		publicUrl: "http://127.0.0.1:8787",
	});
	const progress = setInterval(() => {
		void bench
			.query<{ status: string; n: number }>(
				"select status, count(*)::int as n from plumb.deliveries group by status order by status",
			)
			.then((rows) =>
				say(
					`  ${((performance.now() - started) / 1000).toFixed(0)} s: ${rows.map((r) => `${r.status} ${int(r.n)}`).join(", ")}; ${int(vendor.requests.length)} requests, ${int(vendor.state.tooMany)} answered 429`,
				),
			);
	}, 5_000);
	try {
		const ended = await options.until();
		clearInterval(progress);
		await worker.stop();
		const [row] = await bench.query<{ n: number }>(
			`select count(*)::int as n from plumb.deliveries d join plumb.customers c on c.id = d.customer_id
			 where d.status = 'succeeded' and starts_with(c.email, $1)`,
			[options.tag],
		);
		const paths = vendor.requests.map((r) => r.path);
		const pauses = await metrics.registry.getSingleMetricAsString(
			"plumb_delivery_rate_limited_total",
		);
		return {
			seconds: (ended - started) / 1000,
			succeeded: row?.n ?? 0,
			requests: paths.length,
			upserts: paths.filter((p) => p.endsWith("/batch/upsert")).length,
			reads: paths.filter((p) => p.endsWith("/batch/read")).length,
			tooMany: vendor.state.tooMany,
			pauses: Number(/hubspot"\} (\d+)/.exec(pauses)?.[1] ?? 0),
			contacts: vendor.contacts.size,
		};
	} finally {
		clearInterval(progress);
		await wakeup.close();
		await vendor.close();
	}
}

await runBench("bench:hubspot", HARD_LIMIT_S, async (cleanup) => {
	const m = printMachine("bench:hubspot", say);
	const bench = await createBenchDatabase("plumb_bench_hubspot");
	cleanup.defer(`drop ${bench.name}`, () => bench.drop());
	const db = openPg({ connectionString: bench.url, max: 8 });
	cleanup.defer("close pool", () => db.close());
	await migrate(db);
	const defaults = loadConfig({}).delivery.limits.hubspot;
	say(
		`database ${bench.name} (dropped at the end); the stand-in allows ${S.vendorLimit.max} requests per ${S.vendorLimit.windowMs / 1000} s and answers 429 beyond`,
	);

	say(
		heading(
			`(a) ${int(S.syncs)} CRM syncs in batch upserts (defaults: ${defaults.concurrency} calls in flight, ${defaults.ratePerSecond}/s requests)`,
		),
	);
	await seedSyncs(bench, "batched", S.syncs);
	const batched = await runWorker(bench, db, {
		tag: "batched",
		batched: true,
		rate: defaults.ratePerSecond ?? Number.POSITIVE_INFINITY,
		until: () => drained(bench, DELIVERIES_LEFT),
	});
	checks.check(
		"batched: every sync succeeded",
		batched.succeeded === S.syncs,
		`${int(batched.succeeded)} of ${int(S.syncs)}`,
	);
	checks.check(
		"batched: one contact per customer",
		batched.contacts === S.syncs,
		`${int(batched.contacts)} contacts`,
	);
	const [refs] = await bench.query<{ distinct: number }>(
		`select count(distinct external_ref)::int as distinct from plumb.deliveries
		 where destination = 'hubspot' and status = 'succeeded'`,
	);
	checks.check(
		"batched: each delivery settled with its own contact id",
		refs?.distinct === S.syncs,
		`${int(refs?.distinct ?? 0)} distinct contact ids`,
	);

	say(
		heading(
			`(b) one contact per call, at the old default of ${S.baselineRate} syncs/s, for ${S.baselineSeconds} s`,
		),
	);
	await bench.query("delete from plumb.delivery_attempts");
	await bench.query("delete from plumb.deliveries");
	await seedSyncs(bench, "single", S.syncs);
	const single = await runWorker(bench, db, {
		tag: "single",
		batched: false,
		// Two requests per sync: the stage read and the upsert, each of one contact.
		rate: S.baselineRate,
		until: async () => {
			await new Promise((resolve) =>
				setTimeout(resolve, S.baselineSeconds * 1000),
			);
			return performance.now();
		},
	});
	const singleRate = single.succeeded / single.seconds;
	const projected = S.syncs / singleRate;
	const batchedRate = batched.succeeded / batched.seconds;

	say(
		table(
			["measure", "batch upserts", "one contact per call"],
			[
				[
					"CRM syncs reaching HubSpot",
					`${int(batched.succeeded)} in ${batched.seconds.toFixed(1)} s`,
					`${int(single.succeeded)} in ${single.seconds.toFixed(1)} s`,
				],
				["syncs per second", rate(batchedRate), rate(singleRate)],
				[
					`time for ${int(S.syncs)}`,
					`${batched.seconds.toFixed(1)} s`,
					`${(projected / 60).toFixed(1)} min (projected)`,
				],
				[
					"HubSpot requests (upserts + stage reads + bootstrap)",
					`${int(batched.requests)} (${int(batched.upserts)} + ${int(batched.reads)} + ${int(batched.requests - batched.upserts - batched.reads)})`,
					`${int(single.requests)} (${int(single.upserts)} + ${int(single.reads)} + ${int(single.requests - single.upserts - single.reads)})`,
				],
				[
					"requests per sync",
					(batched.requests / Math.max(1, batched.succeeded)).toFixed(3),
					(single.requests / Math.max(1, single.succeeded)).toFixed(3),
				],
				["429s answered", int(batched.tooMany), int(single.tooMany)],
				["destination pauses", int(batched.pauses), int(single.pauses)],
			],
		),
	);
	say(
		`ratio: batch upserts drain ${(batchedRate / singleRate).toFixed(1)}× as many syncs per second, with ${(single.requests / Math.max(1, single.succeeded) / (batched.requests / Math.max(1, batched.succeeded))).toFixed(0)}× fewer requests per sync`,
	);
	checks.goal(
		`${int(S.syncs)} syncs drained within ${GOALS.drainSeconds} s`,
		batched.seconds <= GOALS.drainSeconds,
		`${batched.seconds.toFixed(1)} s`,
	);
	checks.goal(
		"429s from HubSpot",
		batched.tooMany <= GOALS.tooMany,
		int(batched.tooMany),
	);

	say(heading("summary"));
	say(summary(checks));
	const path = writeResults(`${REPO_ROOT}/bench/results`, "hubspot", {
		machine: m,
		settings: { ...S, hubspot: defaults },
		batched,
		single: { ...single, projectedSeconds: projected },
		checks,
	});
	say(`results: ${path}`);
});
