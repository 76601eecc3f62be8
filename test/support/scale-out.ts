/**
 * The scale-out run of issue 18 (item 2), shared by test/e2e/scale-out.test.ts and bench/scale.ts:
 * `serves` × `plumb serve` and `workers` × `plumb worker` as real child processes on one Postgres
 * database, the HubSpot and Zendesk stand-ins, and signed Stripe events posted round-robin with
 * some sent again to every serve process at once. Optionally one worker is SIGKILLed (by its pid)
 * midway and started again. The run returns what the checks need: how often each event was stored,
 * what the stand-ins received, a canonical dump of the business state, and the timings.
 */

import pg from "pg";
import { TEST_ADMIN_TOKEN, TEST_STRIPE_SECRET } from "./app.ts";
import { type Child, freePort, isAlive, runPlumb, waitFor } from "./child.ts";
import type { ScaleEvent, ScaleInput } from "./scale-input.ts";
import { sign } from "./stripe.ts";
import {
	startHubSpotStandIn,
	startZendeskStandIn,
} from "./vendor-stand-ins.ts";

const HUBSPOT_TOKEN = "pat-na1-scale-0000-1111-2222";
const ZENDESK = { email: "ops@scale.example", token: "zd-scale-token-0123" };

export interface ScaleOptions {
	/** A database on the test's Postgres server (migrated or not: Plumb migrates at start). */
	databaseUrl: string;
	serves: number;
	workers: number;
	input: ScaleInput;
	/**
	 * Every `duplicateEvery`-th event is posted to every serve process at the same time (twice to
	 * the one serve process when there is only one).
	 */
	duplicateEvery: number;
	/** SIGKILL worker 1 once half the events are acknowledged, then start it again. */
	killWorker: boolean;
	/** Concurrent webhook posts. */
	concurrency?: number;
}

export interface ScaleResult {
	/** external_id → rows stored with it. */
	stored: Map<string, number>;
	/** HubSpot: contacts by e-mail, and upserts received per e-mail. */
	contacts: Set<string>;
	upserts: Map<string, number>;
	/** Zendesk: tickets created per external id (issue key). */
	tickets: Map<string, number>;
	ticketEmails: Set<string>;
	/**
	 * Customers whose HubSpot contact, after the drain, disagrees with Plumb's own row on a value
	 * Plumb knows ("c3@…: plumb_tier free ≠ standard"). Reported, not part of scaleViolations: see
	 * docs/scaling.md, "Scale-out test".
	 */
	crmBehind: string[];
	/** Canonical dump of customers, payments, subscriptions, tickets and deliveries (no ids, no times). */
	state: string;
	posts: number;
	/** First post to last 2xx, ms. */
	ingestMs: number;
	/** First post to the last delivery succeeded, ms. */
	totalMs: number;
	deliveries: number;
	/** Per delivery: its event's received_at → succeeded_at, ms (database clock). */
	deliveredMs: number[];
	/** The killed worker: spawn → ready again, ms. */
	restartMs: number | undefined;
	/** Why something went wrong (a process died, a drain timed out). */
	problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(child: Child): string {
	return child.output().trim().split("\n").slice(-5).join("\n");
}

async function post(url: string, event: ScaleEvent): Promise<boolean> {
	try {
		const res = await fetch(url, {
			method: "POST",
			headers: {
				"content-type": "application/json; charset=utf-8",
				"stripe-signature": sign(event.body),
			},
			body: event.body,
			signal: AbortSignal.timeout(20_000),
		});
		await res.arrayBuffer();
		return res.status >= 200 && res.status < 300;
	} catch {
		return false;
	}
}

/** Posts to `url` until 2xx, as Stripe retries. */
async function deliver(
	url: string,
	event: ScaleEvent,
	deadline: number,
): Promise<void> {
	while (!(await post(url, event))) {
		if (Date.now() > deadline)
			throw new Error(`${event.id} never acknowledged by ${url}`);
		await sleep(200);
	}
}

/** Issue keys name rows by their (random) uuids: each becomes "<id>"; the row's customer is in the dump. */
const withoutIds = (column: string) =>
	`regexp_replace(${column}, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<id>', 'g')`;

/**
 * Business state without ids or times: rows joined to their customer's e-mail, sorted. The
 * deliveries table is left out: how many CRM syncs a customer's events coalesce into depends on
 * timing; the stand-ins' counts check what they did.
 */
export async function canonicalState(pool: pg.Pool): Promise<string> {
	const q = async (sql: string) =>
		(await pool.query(sql)).rows.map((r) => JSON.stringify(r)).sort();
	const dump = {
		customers: await q(
			`select email, email_source, name, app_user_id, plan, plan_status, tier, lifecycle_stage,
			        lead_source, last_payment_status, merged_into is not null as merged
			   from plumb.customers`,
		),
		identities: await q(
			`select i.kind, i.value, c.email from plumb.customer_identities i
			   left join plumb.customers c on c.id = i.customer_id`,
		),
		payments: await q(
			`select c.email, p.status, p.amount, p.currency, p.amount_refunded, p.plan, p.subscription_ref,
			        p.dispute_ref, (select array_agg(r.ref order by r.ref) from plumb.payment_refs r where r.payment_id = p.id) as refs
			   from plumb.payments p left join plumb.customers c on c.id = p.customer_id`,
		),
		subscriptions: await q(
			`select s.provider_ref, c.email, s.status, s.cancel_at_period_end, s.plan, s.price_id
			   from plumb.subscriptions s left join plumb.customers c on c.id = s.customer_id`,
		),
		tickets: await q(
			`select c.email, ${withoutIds("t.issue_key")} as issue_key, t.category, t.priority, t.subject, t.status
			   from plumb.tickets t left join plumb.customers c on c.id = t.customer_id`,
		),
	};
	return JSON.stringify(dump, null, 1);
}

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
	const problems: string[] = [];
	const hubspot = await startHubSpotStandIn({ token: HUBSPOT_TOKEN });
	const zendesk = await startZendeskStandIn(ZENDESK);
	const verify = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
	verify.on("error", () => {});
	const ports = await Promise.all(
		Array.from({ length: options.serves }, () => freePort()),
	);
	const common: Record<string, string> = {
		DATABASE_URL: options.databaseUrl,
		STRIPE_WEBHOOK_SECRET: TEST_STRIPE_SECRET,
		ADMIN_TOKEN: TEST_ADMIN_TOKEN,
		HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
		HUBSPOT_BASE_URL: hubspot.url,
		ZENDESK_BASE_URL: zendesk.url,
		ZENDESK_EMAIL: ZENDESK.email,
		ZENDESK_API_TOKEN: ZENDESK.token,
		LOG_LEVEL: "warn",
		PLUMB_HUBSPOT_RATE: "unlimited",
		PLUMB_ZENDESK_RATE: "unlimited",
		PLUMB_DELIVERY_TIMEOUT: "2s",
		PLUMB_DELIVERY_BACKOFF_BASE: "100ms",
		PLUMB_DELIVERY_BACKOFF_MAX: "1s",
		PLUMB_DELIVERY_POLL_INTERVAL: "250ms",
		// Short, so the killed worker's claimed deliveries are taken back within seconds.
		PLUMB_DELIVERY_LEASE: "5s",
	};
	const children: Child[] = [];
	const serveUrls = ports.map((port) => `http://127.0.0.1:${port}`);
	const startServe = async (port: number) => {
		const child = runPlumb(["serve"], { ...common, PORT: String(port) });
		children.push(child);
		await waitFor(async () => {
			if (!isAlive(child)) throw new Error(`serve exited:\n${tail(child)}`);
			return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
		}, 30_000);
		return child;
	};
	const startWorker = async () => {
		// The worker logs its start line at info; the rest of its output stays at warn.
		const child = runPlumb(["worker"], { ...common, LOG_LEVEL: "info" });
		children.push(child);
		await waitFor(() => {
			if (!isAlive(child)) throw new Error(`worker exited:\n${tail(child)}`);
			return child.output().includes("delivery worker started");
		}, 30_000);
		return child;
	};
	try {
		// One serve first: it applies the migrations (under an advisory lock), the rest start at once.
		const [firstPort, ...otherPorts] = ports;
		await startServe(firstPort as number);
		await Promise.all(otherPorts.map(startServe));
		const workers = await Promise.all(
			Array.from({ length: options.workers }, startWorker),
		);

		const { events } = options.input;
		const webhook = (i: number) =>
			`${serveUrls[i % serveUrls.length]}/webhooks/stripe`;
		const started = Date.now();
		// Generous for a shared machine: a stall shows as a slow figure before it fails the run.
		const deadline = started + 60_000 + events.length * 60;
		let next = 0;
		let acked = 0;
		let posts = 0;
		let restartMs: number | undefined;
		let killing: Promise<void> | undefined;
		const kill = async () => {
			const victim = workers[0] as Child;
			if (victim.process.pid !== undefined)
				process.kill(victim.process.pid, "SIGKILL");
			await victim.exited;
			const spawnAt = Date.now();
			workers[0] = await startWorker();
			restartMs = Date.now() - spawnAt;
		};
		const client = async () => {
			while (next < events.length) {
				const i = next++;
				const event = events[i] as ScaleEvent;
				const targets =
					i % options.duplicateEvery === 0
						? Array.from({ length: Math.max(2, serveUrls.length) }, (_, k) =>
								webhook(i + k),
							)
						: [webhook(i)];
				posts += targets.length;
				await Promise.all(targets.map((url) => deliver(url, event, deadline)));
				acked += 1;
				if (options.killWorker && !killing && acked >= events.length / 2)
					killing = kill();
			}
		};
		await Promise.all(Array.from({ length: options.concurrency ?? 8 }, client));
		const ingestMs = Date.now() - started;
		await killing;

		// Drain: every event processed, every delivery settled.
		const drainDeadline = Date.now() + 60_000 + events.length * 30;
		for (;;) {
			const dead = children.filter((c) => !isAlive(c) && !c.process.signalCode);
			if (dead.length > 0) {
				problems.push(...dead.map((c) => `a process exited:\n${tail(c)}`));
				break;
			}
			const { rows } = await verify.query<{
				pending: number;
				unsettled: number;
			}>(
				`select (select count(*)::int from plumb.events where status not in ('processed', 'failed')) as pending,
				        (select count(*)::int from plumb.deliveries where status not in ('succeeded', 'skipped', 'dead')) as unsettled`,
			);
			if (rows[0]?.pending === 0 && rows[0]?.unsettled === 0) break;
			if (Date.now() > drainDeadline) {
				problems.push(`not drained: ${JSON.stringify(rows[0])}`);
				break;
			}
			await sleep(200);
		}

		const stored = new Map<string, number>();
		for (const row of (
			await verify.query<{ external_id: string; n: number }>(
				"select external_id, count(*)::int as n from plumb.events group by external_id",
			)
		).rows)
			stored.set(row.external_id, row.n);
		const upserts = new Map<string, number>();
		for (const write of hubspot.writes)
			upserts.set(write.email, (upserts.get(write.email) ?? 0) + 1);
		const tickets = new Map<string, number>();
		const ticketEmails = new Set<string>();
		for (const ticket of zendesk.tickets.values()) {
			const key = String(ticket.external_id);
			tickets.set(key, (tickets.get(key) ?? 0) + 1);
			const requester = ticket.requester as { email?: string } | undefined;
			if (requester?.email) ticketEmails.add(requester.email);
		}
		const timing = await verify.query<{ ms: number; done: Date }>(
			`select extract(epoch from (d.succeeded_at - e.received_at)) * 1000 as ms, d.succeeded_at as done
			   from plumb.deliveries d join plumb.events e on e.id = d.event_id
			  where d.status = 'succeeded'`,
		);
		const lastDone = Math.max(
			...timing.rows.map((r) => new Date(r.done).getTime()),
		);
		const crmBehind: string[] = [];
		const customers = await verify.query<Record<string, string | Date | null>>(
			`select email, plan as plumb_plan, plan_status as plumb_plan_status, tier as plumb_tier,
			        last_payment_status as plumb_last_payment_status, last_payment_at as plumb_last_payment_at
			   from plumb.customers where email is not null`,
		);
		for (const { email, ...known } of customers.rows) {
			const contact = hubspot.contacts.get(String(email));
			for (const [name, value] of Object.entries(known)) {
				if (value === null) continue;
				const want = value instanceof Date ? value.toISOString() : value;
				const got = contact?.properties[name];
				if (got !== want) crmBehind.push(`${email}: ${name} ${got} ≠ ${want}`);
			}
		}
		return {
			crmBehind,
			stored,
			contacts: new Set(hubspot.contacts.keys()),
			upserts,
			tickets,
			ticketEmails,
			state: await canonicalState(verify),
			posts,
			ingestMs,
			totalMs: lastDone - started,
			deliveries: timing.rows.length,
			deliveredMs: timing.rows.map((r) => Number(r.ms)),
			restartMs,
			problems,
		};
	} finally {
		for (const child of children) {
			if (isAlive(child) && child.process.pid !== undefined)
				process.kill(child.process.pid, "SIGKILL");
			await child.exited;
		}
		await verify.end().catch(() => {});
		await hubspot.close();
		await zendesk.close();
	}
}

/**
 * What a run broke, spelled out (empty when it kept every promise): each event stored once, one
 * HubSpot contact per customer, one Zendesk ticket per billing episode. Upserts are not counted:
 * a worker killed between a HubSpot call and its record sends the call again once its lease ends
 * (at least once), and the upsert by e-mail makes that repeat harmless; the contact is the effect.
 */
export function scaleViolations(run: ScaleResult, input: ScaleInput): string[] {
	const out = [...run.problems];
	const sameSet = (what: string, got: Iterable<string>, want: string[]) => {
		const g = new Set(got);
		const missing = want.filter((x) => !g.has(x));
		const extra = [...g].filter((x) => !want.includes(x));
		if (missing.length + extra.length > 0)
			out.push(
				`${what}: ${missing.length} missing (${missing.slice(0, 3).join(", ")}), ${extra.length} unexpected (${extra.slice(0, 3).join(", ")})`,
			);
	};
	const notOnce = input.events.filter((e) => run.stored.get(e.id) !== 1);
	if (notOnce.length > 0)
		out.push(
			`${notOnce.length} events not stored exactly once, e.g. ${notOnce
				.slice(0, 3)
				.map((e) => `${e.id} ×${run.stored.get(e.id) ?? 0}`)
				.join(", ")}`,
		);
	if (run.stored.size !== input.events.length)
		out.push(
			`${run.stored.size} distinct events stored, ${input.events.length} sent`,
		);
	sameSet("HubSpot contacts", run.contacts, input.emails);
	const doubled = [...run.tickets].filter(([, n]) => n !== 1);
	if (doubled.length > 0)
		out.push(
			`Zendesk tickets made more than once: ${doubled.map(([k, n]) => `${k} ×${n}`).join(", ")}`,
		);
	if (run.tickets.size !== input.ticketEmails.length)
		out.push(
			`${run.tickets.size} Zendesk issue keys, ${input.ticketEmails.length} expected`,
		);
	sameSet("Zendesk ticket requesters", run.ticketEmails, input.ticketEmails);
	return out;
}
