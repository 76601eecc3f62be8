/**
 * `npm run bench:worker-rules`: how fast one event worker turns stored Stripe payment events into
 * business state, on the real PostgreSQL and on PGlite, and what the pure rules cost per event.
 * Events are stored first (not measured); the clock runs from "worker started" to "inbox empty".
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	normalizeStripeEvent,
	type StripeEnvelope,
} from "../src/ingest/index.ts";
import { createLogger, createMetrics } from "../src/observability/index.ts";
import { startEventWorker } from "../src/queue/index.ts";
import { decide, type RuleInput } from "../src/rules/index.ts";
import {
	type Db,
	migrate,
	openPg,
	openPglite,
	pollingWakeup,
	toJsonb,
} from "../src/store/index.ts";
import { runBench } from "./support/cleanup.ts";
import { createBenchDatabase } from "./support/postgres.ts";
import {
	Checks,
	heading,
	printMachine,
	summary,
	writeResults,
} from "./support/report.ts";
import { int, rate, summarize, table } from "./support/stats.ts";

const PG_EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const PGLITE_EVENTS = Number(process.env.BENCH_PGLITE_EVENTS ?? 3_000);
const CUSTOMERS_PER_1000 = 100;
const GOAL_PG = 2_000;

/** A realistic payment mix: each purchase reported by invoice.paid, payment_intent.succeeded and (half) checkout. */
function paymentEvents(total: number): StripeEnvelope[] {
	const customers = Math.max(
		1,
		Math.round((total / 1000) * CUSTOMERS_PER_1000),
	);
	const events: StripeEnvelope[] = [];
	for (let n = 0; events.length < total; n++) {
		const c = n % customers;
		const customer = {
			customer: `cus_b${c}`,
			customer_email: `c${c}@bench.test`,
		};
		const at = 1_760_000_000 + n;
		events.push({
			id: `evt_b_in_${n}`,
			type: "invoice.paid",
			created: at,
			data: {
				object: {
					id: `in_b${n}`,
					object: "invoice",
					...customer,
					status: "paid",
					amount_paid: 2000,
					currency: "usd",
					payment_intent: `pi_b${n}`,
					parent: { subscription_details: { subscription: `sub_b${c}` } },
				},
			},
		});
		events.push({
			id: `evt_b_pi_${n}`,
			type: "payment_intent.succeeded",
			created: at,
			data: {
				object: {
					id: `pi_b${n}`,
					object: "payment_intent",
					customer: customer.customer,
					amount_received: 2000,
					currency: "usd",
					latest_charge: `ch_b${n}`,
				},
			},
		});
		if (n % 2 === 0) {
			events.push({
				id: `evt_b_cs_${n}`,
				type: "checkout.session.completed",
				created: at,
				data: {
					object: {
						id: `cs_b${n}`,
						object: "checkout.session",
						customer: customer.customer,
						customer_details: { email: customer.customer_email },
						payment_status: "paid",
						mode: "subscription",
						invoice: `in_b${n}`,
						subscription: `sub_b${c}`,
						amount_total: 2000,
						currency: "usd",
					},
				},
			});
		}
	}
	return events.slice(0, total);
}

/** Stores events with one multi-row insert per 500 (setup, not measured). */
async function store(db: Db, events: readonly StripeEnvelope[]): Promise<void> {
	for (let i = 0; i < events.length; i += 500) {
		const chunk = events
			.slice(i, i + 500)
			.map((event) => ({ event, normalized: normalizeStripeEvent(event) }));
		await db.query(
			`insert into plumb.events (id, type, source, external_id, occurred_at, correlation_id, data, payload)
			 select plumb.uuid_generate_v7(), t.type, 'stripe', t.external_id, to_timestamp(t.at), t.external_id, t.data::jsonb, '{}'::jsonb
			 from unnest($1::text[], $2::text[], $3::float8[], $4::text[]) as t(type, external_id, at, data)`,
			[
				chunk.map((c) => c.normalized.type),
				chunk.map((c) => c.event.id),
				chunk.map((c) => c.event.created),
				chunk.map((c) => toJsonb(c.normalized.data)),
			],
		);
	}
}

async function drain(
	db: Db,
	expected: number,
	concurrency: number,
	checks: Checks,
	label: string,
): Promise<{ seconds: number; processed: number }> {
	const logger = createLogger({ level: "warn", secretValues: [] });
	const started = performance.now();
	const worker = startEventWorker(
		{
			db,
			logger,
			metrics: createMetrics(),
			wakeup: pollingWakeup(5),
			plans: {},
			publicUrl: "http://bench.test",
			now: Date.now,
		},
		{ concurrency, batchSize: 100 },
	);
	for (;;) {
		const [row] = await db.query<{ n: number }>(
			"select count(*)::int as n from plumb.events where status = 'pending'",
		);
		if ((row?.n ?? 0) === 0) break;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	const seconds = (performance.now() - started) / 1000;
	await worker.stop();
	const [done] = await db.query<{ n: number }>(
		"select count(*)::int as n from plumb.events where status = 'processed'",
	);
	checks.check(
		`${label}: every event processed`,
		done?.n === expected,
		`${done?.n} of ${expected}`,
	);
	// Each purchase is reported by 2–3 events but is one payment.
	const [payments] = await db.query<{ n: number }>(
		"select count(*)::int as n from plumb.payments",
	);
	const purchases = new Set(
		paymentEvents(expected).map((e) =>
			String(e.data.object.id).replace(/^(in|pi|cs)_b/, ""),
		),
	).size;
	checks.check(
		`${label}: one payment per purchase`,
		payments?.n === purchases,
		`${payments?.n} payments for ${purchases} purchases`,
	);
	return { seconds, processed: done?.n ?? 0 };
}

/** The pure rules alone: decide() per event against a typical, already-known customer. */
function ruleCost(events: readonly StripeEnvelope[]): number[] {
	const costs: number[] = [];
	for (const envelope of events) {
		const normalized = normalizeStripeEvent(envelope);
		const input: RuleInput = {
			event: {
				id: envelope.id,
				type: normalized.type,
				source: "stripe",
				externalId: envelope.id,
				occurredAt: normalized.occurredAt,
				data: normalized.data,
			},
			customer: { id: "c", fields: {}, derived: { tier: "free" } },
			subscriptions: [],
			failures: [],
			openTickets: [],
			recentBillingKeys: [],
			plans: {},
			customerUrl: "http://bench.test",
			newTicketId: "t",
		};
		const started = performance.now();
		decide(input);
		costs.push((performance.now() - started) * 1000);
	}
	return costs;
}

await runBench("bench:worker-rules", 600, async (cleanup) => {
	const lines: string[] = [];
	const say = (line: string) => {
		lines.push(line);
		process.stdout.write(`${line}\n`);
	};
	const machine = printMachine("bench:worker-rules", say);
	const checks = new Checks();
	const results: Record<string, unknown> = { machine };

	say(
		heading(
			`PostgreSQL: one worker process, ${int(PG_EVENTS)} Stripe payment events`,
		),
	);
	const rows: string[][] = [];
	for (const concurrency of [1, 2, 4]) {
		const database = await createBenchDatabase("plumb_bench_rules");
		cleanup.defer(`drop ${database.name}`, () => database.drop());
		const db = openPg({ connectionString: database.url, max: concurrency + 2 });
		await migrate(db);
		await store(db, paymentEvents(PG_EVENTS));
		const run = await drain(
			db,
			PG_EVENTS,
			concurrency,
			checks,
			`PostgreSQL, ${concurrency} loop(s)`,
		);
		await db.close();
		await database.drop();
		const perSecond = run.processed / run.seconds;
		rows.push([
			`${concurrency} batch loop${concurrency > 1 ? "s" : ""}`,
			rate(perSecond),
			`${run.seconds.toFixed(2)} s`,
		]);
		results[`pg_concurrency_${concurrency}`] = {
			eventsPerSecond: perSecond,
			seconds: run.seconds,
		};
	}
	say(table(["worker", "events/s", "elapsed"], rows));
	const best = Math.max(
		...Object.entries(results)
			.filter(([k]) => k.startsWith("pg_"))
			.map(([, v]) => (v as { eventsPerSecond: number }).eventsPerSecond),
	);
	say(
		checks.goal(
			"PostgreSQL events/s (one worker)",
			best >= GOAL_PG,
			`${rate(best)} (goal ≥ ${int(GOAL_PG)}/s)`,
		),
	);

	say(heading(`PGlite: embedded, ${int(PGLITE_EVENTS)} events`));
	const dir = mkdtempSync(join(tmpdir(), "plumb-bench-rules-"));
	cleanup.defer(`remove ${dir}`, () =>
		rmSync(dir, { recursive: true, force: true }),
	);
	const lite = await openPglite(join(dir, "data"));
	await migrate(lite);
	await store(lite, paymentEvents(PGLITE_EVENTS));
	const liteRun = await drain(lite, PGLITE_EVENTS, 1, checks, "PGlite");
	await lite.close();
	say(
		table(
			["worker", "events/s", "elapsed"],
			[
				[
					"PGlite (one connection)",
					rate(liteRun.processed / liteRun.seconds),
					`${liteRun.seconds.toFixed(2)} s`,
				],
			],
		),
	);
	results.pglite = {
		eventsPerSecond: liteRun.processed / liteRun.seconds,
		seconds: liteRun.seconds,
	};

	say(heading("Rule cost (pure decide(), no I/O)"));
	const costs = summarize(ruleCost(paymentEvents(20_000)));
	say(
		table(
			["rules", "p50", "p99", "mean"],
			[
				[
					"decide() per event",
					`${costs.p50.toFixed(1)} µs`,
					`${costs.p99.toFixed(1)} µs`,
					`${costs.mean.toFixed(1)} µs`,
				],
			],
		),
	);
	results.ruleCostMicros = costs;

	say(heading("Summary"));
	say(summary(checks));
	say(
		`results: ${writeResults(join(import.meta.dirname, "results"), "worker-rules", results)}`,
	);
	if (!checks.allCorrect) process.exitCode = 1;
});
