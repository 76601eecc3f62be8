/** SQL behind the alert rules: failed webhook requests per minute, the rules' inputs, and rule episodes. */
import type { Db } from "../db/index.ts";
import { uuidAt } from "../db/index.ts";

/** Webhook sources whose stored events count as accepted webhook requests (app intents are not webhooks). */
const WEBHOOK_SOURCES = ["stripe", "zendesk", "supabase"];

/**
 * Counts one webhook request answered 4xx/5xx in its minute's row: one cheap upsert on the failure
 * path only, and a bounded table however many requests a flood sends.
 */
export async function recordWebhookFailure(
	db: Db,
	failure: { source: string; status: number; reason: string },
): Promise<void> {
	await db.query(
		`insert into plumb.webhook_failures (minute, source, reason, status, count)
		 values (date_trunc('minute', now()), $1, $2, $3, 1)
		 on conflict (minute, source, reason) do update
		   set count = plumb.webhook_failures.count + 1, status = excluded.status`,
		[failure.source, failure.reason.slice(0, 100), failure.status],
	);
}

/**
 * The evaluator's lock for this transaction: true for exactly one process at a time. The two-key
 * form lives apart from the single-key locks (migrations, the event worker's per-customer keys).
 */
export async function tryAlertRulesLock(tx: Db): Promise<boolean> {
	const [row] = await tx.query<{ locked: boolean }>(
		"select pg_try_advisory_xact_lock(1886156141, 9) as locked",
	);
	return row?.locked === true;
}

/** What the rules read, over the last `windowMs` unless said otherwise (filled by `readAlertRuleInputs`). */
export interface AlertRuleInputs {
	/** Webhook requests refused for a missing, wrong or expired signature (or secret), by source. */
	verificationFailures: Readonly<Record<string, number>>;
	/** Webhook requests answered 4xx or 5xx (verification failures included), by HTTP status. */
	webhookFailures: Readonly<Record<string, number>>;
	/** Webhook events stored (answered 200), duplicates not counted. */
	webhookAccepted: number;
	/** Event received → delivered; deliveries still waiting count with their age so far. */
	syncLatency: { p95Seconds: number | null; samples: number };
	/** Manual interventions in the last 24 hours, by kind. */
	interventionsLastDay: Readonly<Record<string, number>>;
	/** Deliveries still being retried after more than `deliveryRetries` failed attempts, by destination. */
	retrying: ReadonlyArray<{
		destination: string;
		count: number;
		mostAttempts: number;
	}>;
}

/** Everything the rules read, over the last `windowMs` (interventions: the last 24 hours). */
export async function readAlertRuleInputs(
	tx: Db,
	options: { windowMs: number; deliveryRetries: number; nowMs: number },
): Promise<AlertRuleInputs> {
	const window = options.windowMs;
	// Ids are time-ordered (UUIDv7), so `id >= floor` walks the primary key; they are minted by the
	// application's clock, and a margin covers its skew from the database's.
	const floor = uuidAt(new Date(options.nowMs - window - 5 * 60_000));
	const failures = await tx.query<{
		source: string;
		status: number;
		n: number;
	}>(
		`select source, status, sum(count)::int as n from plumb.webhook_failures
		 where minute >= date_trunc('minute', now() - $1::float8 * interval '1 millisecond')
		 group by source, status`,
		[window],
	);
	const [accepted] = await tx.query<{ n: number }>(
		`select count(*)::int as n from plumb.events
		 where id >= $1::uuid and received_at >= now() - $2::float8 * interval '1 millisecond'
		   and source = any($3::text[])`,
		[floor, window, WEBHOOK_SOURCES],
	);
	// Replayed deliveries measure a person's delay, and a dead letter's notification the time since
	// its event: neither is sync latency.
	const [latency] = await tx.query<{ p95: number | null; samples: number }>(
		`with measured as (
		   select d.id, extract(epoch from coalesce(d.succeeded_at, now()) - e.received_at) as seconds
		   from plumb.events e join plumb.deliveries d on d.event_id = e.id
		   where e.id >= $1::uuid and e.received_at >= now() - $2::float8 * interval '1 millisecond'
		     and d.status in ('succeeded', 'pending', 'retry_pending', 'running')
		     and d.budget_attempts = 0 and coalesce(d.payload ->> 'kind', '') <> 'dead_delivery'
		   union
		   select d.id, extract(epoch from now() - e.received_at)
		   from plumb.deliveries d join plumb.events e on e.id = d.event_id
		   where d.status in ('pending', 'retry_pending', 'running')
		     and d.budget_attempts = 0 and coalesce(d.payload ->> 'kind', '') <> 'dead_delivery'
		 )
		 select percentile_cont(0.95) within group (order by seconds)::float8 as p95,
		        count(*)::int as samples
		 from measured`,
		[floor, window],
	);
	const interventions = await tx.query<{ kind: string; n: number }>(
		`select kind, count(*)::int as n from plumb.interventions
		 where created_at > now() - interval '24 hours' group by kind`,
	);
	// A running delivery's current attempt has not failed (yet): it counts once it has.
	const retrying = await tx.query<{
		destination: string;
		count: number;
		most_attempts: number;
	}>(
		`select destination, count(*)::int as count, max(attempts - budget_attempts)::int as most_attempts
		 from plumb.deliveries
		 where (status = 'retry_pending' and attempts - budget_attempts > $1)
		    or (status = 'running' and attempts - budget_attempts - 1 > $1)
		 group by destination order by destination`,
		[options.deliveryRetries],
	);
	const verificationFailures: Record<string, number> = {};
	const webhookFailures: Record<string, number> = {};
	for (const row of failures) {
		if (row.status === 401)
			verificationFailures[row.source] =
				(verificationFailures[row.source] ?? 0) + row.n;
		const status = String(row.status);
		webhookFailures[status] = (webhookFailures[status] ?? 0) + row.n;
	}
	return {
		verificationFailures,
		webhookFailures,
		webhookAccepted: accepted?.n ?? 0,
		syncLatency: {
			p95Seconds: latency?.p95 ?? null,
			samples: latency?.samples ?? 0,
		},
		interventionsLastDay: Object.fromEntries(
			interventions.map((row) => [row.kind, row.n]),
		),
		retrying: retrying.map((row) => ({
			destination: row.destination,
			count: row.count,
			mostAttempts: row.most_attempts,
		})),
	};
}

/** An alert as the evaluator handles it. */
export interface AlertEpisode {
	id: string;
	kind: string;
	dedupe_key: string;
	severity: "info" | "warning" | "critical";
	title: string;
	customer_id: string | null;
	event_id: string | null;
	delivery_id: string | null;
	created_at: Date;
	resolved_at: Date | null;
}

const EPISODE_COLUMNS =
	"id, kind, dedupe_key, severity, title, customer_id, event_id, delivery_id, created_at, resolved_at";

/** Open (or acknowledged) alerts of these kinds. */
export async function activeAlerts(
	tx: Db,
	kinds: readonly string[],
): Promise<AlertEpisode[]> {
	return tx.query<AlertEpisode>(
		`select ${EPISODE_COLUMNS} from plumb.alerts
		 where status in ('open', 'acknowledged') and kind = any($1::text[]) order by id`,
		[kinds],
	);
}

/** Ends these episodes; returns the ids that were still active (another process may have been first). */
export async function resolveAlerts(
	tx: Db,
	ids: readonly string[],
): Promise<string[]> {
	if (ids.length === 0) return [];
	const rows = await tx.query<{ id: string }>(
		`update plumb.alerts set status = 'resolved', resolved_at = now()
		 where id = any($1::uuid[]) and status in ('open', 'acknowledged')
		 returning id`,
		[ids],
	);
	return rows.map((row) => row.id);
}

/**
 * Alerts of these kinds resolved in the last day whose opening was notified (a Slack notify
 * delivery with its id exists) and whose "resolved" notice was not queued yet. Whoever resolved
 * them (a rule clearing, a replay that succeeded, a person), each gets its notice once: the
 * notice's idempotency key makes a second one impossible.
 */
export async function alertsAwaitingResolvedNotice(
	tx: Db,
	kinds: readonly string[],
): Promise<AlertEpisode[]> {
	return tx.query<AlertEpisode>(
		`select ${EPISODE_COLUMNS} from plumb.alerts a
		 where a.status = 'resolved' and a.resolved_at > now() - interval '1 day'
		   and a.kind = any($1::text[])
		   and exists (select 1 from plumb.deliveries d
		               where d.idempotency_key in ('slack:notify:' || a.id || ':alert_rule',
		                                           'slack:notify:' || a.id || ':dead_delivery'))
		   and not exists (select 1 from plumb.deliveries d
		                   where d.idempotency_key = 'slack:notify:' || a.id || ':alert_resolved')
		 order by a.resolved_at`,
		[kinds],
	);
}

/** Drops failed-request counts older than two days (the rules look back minutes). */
export async function pruneWebhookFailures(tx: Db): Promise<void> {
	await tx.query(
		"delete from plumb.webhook_failures where minute < now() - interval '2 days'",
	);
}

/** How many alerts of one kind and severity are firing now. */
export interface ActiveAlertCount {
	kind: string;
	severity: string;
	count: number;
}

/** Alerts firing now, by kind and severity: the `plumb_alerts_open` gauge. */
export async function countActiveAlerts(db: Db): Promise<ActiveAlertCount[]> {
	return db.query<ActiveAlertCount>(
		`select kind, severity, count(*)::int as count from plumb.alerts
		 where status in ('open', 'acknowledged') group by kind, severity order by kind, severity`,
	);
}

/**
 * The install's random log salt (0007_alert_rules.sql), unless PLUMB_LOG_SALT overrides it. Made here
 * when missing: a data directory copied from the build's PGlite template starts without one.
 */
export async function readLogSalt(db: Db): Promise<string> {
	await db.query(
		"insert into plumb.install default values on conflict (id) do nothing",
	);
	const [row] = await db.query<{ log_salt: string }>(
		"select log_salt from plumb.install",
	);
	if (row === undefined) throw new Error("plumb.install has no row");
	return row.log_salt;
}
