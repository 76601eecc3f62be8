/**
 * `npm run bench:backfill`: `plumb backfill` of a live Stripe account — 10,000 customers (each with a
 * subscription) and 20,000 paid invoices — from the Stripe API stand-in on loopback, into one
 * PostgreSQL database, as the real command (a child process of the bench's private build). Then a
 * `plumb worker` sends the CRM syncs the backfill queued to HubSpot's stand-in (a private app's 100
 * requests per 10 s). Measures time, Stripe requests, peak memory of the backfill process, CRM syncs
 * queued and HubSpot writes per customer (≤ 1). Writes bench/results/backfill-<time>.json.
 */
import { spawn } from "node:child_process";
import { migrate, openPg } from "../src/store/index.ts";
import { stripeAccount } from "../test/support/stripe-api/account.ts";
import { startStripeApi } from "../test/support/stripe-api/server.ts";
import { startHubSpotStandIn } from "../test/support/vendor-stand-ins.ts";
import { runBench } from "./support/cleanup.ts";
import { preparePlumb, REPO_ROOT } from "./support/plumb.ts";
import { DELIVERIES_LEFT } from "./support/plumb-queue.ts";
import { createBenchDatabase } from "./support/postgres.ts";
import { workerProcessMemory } from "./support/queue-drain.ts";
import {
	Checks,
	heading,
	printMachine,
	summary,
	writeResults,
} from "./support/report.ts";
import { samplePeakRss } from "./support/rss.ts";
import { int, rate, table } from "./support/stats.ts";

const S = {
	customers: Number(process.env.BENCH_BACKFILL_CUSTOMERS ?? 10_000),
	invoicesEach: 2,
	/** HubSpot's limit for a private app on Free and Starter. */
	vendorLimit: { max: 100, windowMs: 10_000 },
};
const HARD_LIMIT_S = 900;
const GOALS = { backfillSeconds: 300, crmWritesPerCustomer: 1, peakMiB: 300 };
const STRIPE_KEY = "sk_test_bench_backfill_00000000";
const HUBSPOT_TOKEN = "pat-na1-bench-backfill-0000-1111";
const checks = new Checks();
const say = (line = "") => process.stdout.write(`${line}\n`);

await runBench("bench:backfill", HARD_LIMIT_S, async (cleanup) => {
	const m = printMachine("bench:backfill", say);
	const plumb = await preparePlumb();
	cleanup.defer("remove the build", () => plumb.dispose());
	const bench = await createBenchDatabase("plumb_bench_backfill");
	cleanup.defer(`drop ${bench.name}`, () => bench.drop());
	const db = openPg({ connectionString: bench.url, max: 2 });
	await migrate(db);
	await db.close();

	const stripe = await startStripeApi({ [STRIPE_KEY]: "all" });
	cleanup.defer("stop the Stripe stand-in", () => stripe.close());
	const account = stripeAccount({
		customers: S.customers,
		invoicesEach: S.invoicesEach,
		firstCreated: Math.floor(Date.now() / 1000) - 2 * 365 * 86_400,
		canceledEvery: 10,
	});
	stripe.seed("customers", account.customers);
	stripe.seed("subscriptions", account.subscriptions);
	stripe.seed("invoices", account.invoices);
	const objects =
		account.customers.length +
		account.subscriptions.length +
		account.invoices.length;
	say(
		`database ${bench.name} (dropped at the end); Plumb runs as ${plumb.mode}; the Stripe stand-in serves ${int(account.customers.length)} customers, ${int(account.subscriptions.length)} subscriptions and ${int(account.invoices.length)} paid invoices`,
	);

	say(heading("(a) plumb backfill"));
	const started = performance.now();
	const child = spawn(plumb.command, [...plumb.args.slice(0, -1), "backfill"], {
		env: {
			PATH: process.env.PATH ?? "",
			HOME: process.env.HOME ?? "",
			DATABASE_URL: bench.url,
			STRIPE_API_KEY: STRIPE_KEY,
			STRIPE_API_BASE: stripe.url,
			LOG_LEVEL: "warn",
		},
		stdio: ["ignore", "pipe", "inherit"],
	});
	cleanup.defer("stop plumb backfill", () => {
		child.kill("SIGKILL");
	});
	const peak = samplePeakRss(child.pid ?? -1);
	let output = "";
	child.stdout?.on("data", (chunk) => {
		output += String(chunk);
	});
	const code = await new Promise<number | null>((resolve) =>
		child.once("exit", resolve),
	);
	const seconds = (performance.now() - started) / 1000;
	const peakMiB = peak.stop();
	say(`  ${output.trim()}`);
	checks.check("plumb backfill exited 0", code === 0, `exit code ${code}`);

	const [state] = await bench.query<{
		customers: number;
		subscriptions: number;
		payments: number;
		processed: number;
		alerts: number;
		tickets: number;
		other: number;
	}>(
		`select (select count(*)::int from plumb.customers) as customers,
		   (select count(*)::int from plumb.subscriptions) as subscriptions,
		   (select count(*)::int from plumb.payments) as payments,
		   (select count(*)::int from plumb.events where status = 'processed') as processed,
		   (select count(*)::int from plumb.alerts) as alerts,
		   (select count(*)::int from plumb.tickets) as tickets,
		   (select count(*)::int from plumb.deliveries where action <> 'crm_sync') as other`,
	);
	const [syncs] = await bench.query<{ total: number; most: number }>(
		`select count(*)::int as total, coalesce(max(n), 0)::int as most
		 from (select count(*) as n from plumb.deliveries where action = 'crm_sync' group by customer_id) per`,
	);
	checks.check(
		"every object became state",
		state?.customers === S.customers &&
			state.subscriptions === S.customers &&
			state.payments === account.invoices.length &&
			state.processed === objects,
		`${int(state?.customers ?? 0)} customers, ${int(state?.subscriptions ?? 0)} subscriptions, ${int(state?.payments ?? 0)} payments, ${int(state?.processed ?? 0)} events applied`,
	);
	checks.check(
		"no alert, ticket or notification from history",
		state?.alerts === 0 && state.tickets === 0 && state.other === 0,
		`${state?.alerts} alerts, ${state?.tickets} tickets, ${state?.other} other deliveries`,
	);
	checks.check(
		"one CRM sync queued per customer",
		syncs?.total === S.customers && syncs.most === 1,
		`${int(syncs?.total ?? 0)} syncs, at most ${syncs?.most} per customer`,
	);

	say(heading("(b) plumb worker sends the CRM syncs to HubSpot's stand-in"));
	const hubspot = await startHubSpotStandIn({
		token: HUBSPOT_TOKEN,
		rateLimit: S.vendorLimit,
	});
	cleanup.defer("stop the HubSpot stand-in", () => hubspot.close());
	const crmStarted = performance.now();
	const worker = await workerProcessMemory(
		plumb,
		bench.url,
		async () =>
			!(await bench.query<{ left: boolean }>(DELIVERIES_LEFT))[0]?.left,
		{ HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN, HUBSPOT_BASE_URL: hubspot.url },
		300_000,
	);
	const crmSeconds = (performance.now() - crmStarted) / 1000;
	const writesPer = new Map<string, number>();
	for (const write of hubspot.writes)
		writesPer.set(write.email, (writesPer.get(write.email) ?? 0) + 1);
	const mostWrites = Math.max(0, ...writesPer.values());
	const paths = hubspot.requests.map((r) => r.path);
	checks.check(
		"every customer reached HubSpot once",
		writesPer.size === S.customers && hubspot.contacts.size === S.customers,
		`${int(writesPer.size)} customers written, ${int(hubspot.contacts.size)} contacts`,
	);

	say(
		table(
			["measure", "value"],
			[
				[
					"objects backfilled",
					`${int(objects)} (${int(account.customers.length)} customers, ${int(account.subscriptions.length)} subscriptions, ${int(account.invoices.length)} paid invoices)`,
				],
				["backfill time (process start to exit)", `${seconds.toFixed(1)} s`],
				["objects per second", rate(objects / seconds)],
				["Stripe requests", int(stripe.requests.length)],
				["peak RSS of plumb backfill", `${peakMiB.toFixed(0)} MiB`],
				[
					"CRM syncs queued",
					`${int(syncs?.total ?? 0)} (at most ${syncs?.most} per customer)`,
				],
				[
					"HubSpot: time to send them all (plumb worker)",
					`${crmSeconds.toFixed(1)} s`,
				],
				[
					"HubSpot requests (batch upserts)",
					`${int(paths.length)} (${int(paths.filter((p) => p.endsWith("/batch/upsert")).length)})`,
				],
				[
					"HubSpot writes per customer (most)",
					`${mostWrites} (${int(hubspot.writes.length)} writes in all)`,
				],
				["HubSpot 429s", int(hubspot.state.tooMany)],
				["peak RSS of plumb worker", `${worker.peakMiB.toFixed(0)} MiB`],
			],
		),
	);
	checks.goal(
		`backfill of ${int(objects)} objects within ${GOALS.backfillSeconds} s`,
		seconds <= GOALS.backfillSeconds,
		`${seconds.toFixed(1)} s`,
	);
	checks.goal(
		"CRM writes per customer",
		mostWrites <= GOALS.crmWritesPerCustomer,
		String(mostWrites),
	);
	checks.goal(
		`peak RSS of plumb backfill ≤ ${GOALS.peakMiB} MiB`,
		peakMiB <= GOALS.peakMiB,
		`${peakMiB.toFixed(0)} MiB`,
	);

	say(heading("summary"));
	say(summary(checks));
	const path = writeResults(`${REPO_ROOT}/bench/results`, "backfill", {
		machine: m,
		settings: S,
		backfill: {
			seconds,
			objects,
			stripeRequests: stripe.requests.length,
			peakMiB,
			summaryLine: output.trim(),
		},
		crm: {
			syncs: syncs?.total,
			mostSyncsPerCustomer: syncs?.most,
			seconds: crmSeconds,
			requests: paths.length,
			writes: hubspot.writes.length,
			mostWritesPerCustomer: mostWrites,
			tooMany: hubspot.state.tooMany,
			workerPeakMiB: worker.peakMiB,
		},
		checks,
	});
	say(`results: ${path}`);
});
