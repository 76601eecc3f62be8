/** Every Prometheus metric Plumb exports, defined in one place, on a registry per process (or per test). */
import {
	Counter,
	collectDefaultMetrics,
	Gauge,
	Histogram,
	Registry,
} from "prom-client";

export function createMetrics(
	options: {
		defaultMetrics?: boolean;
		/** Milliseconds since the epoch, for the 0.5 s cache of the database-backed gauges; tests pin it. */
		now?: () => number;
	} = {},
) {
	const registry = new Registry();
	const now = options.now ?? Date.now;
	// Node's own series (process_*, nodejs_*) under the one plumb_ prefix: plumb_process_cpu_seconds_total …
	// The event-loop lag is sampled every 100 ms, not prom-client's 10 ms: that timer alone was a third
	// of an idle process's CPU (bench:idle), and a lag worth alerting on lasts far longer.
	if (options.defaultMetrics)
		collectDefaultMetrics({
			register: registry,
			prefix: "plumb_",
			eventLoopMonitoringPrecision: 100,
		});
	return {
		registry,
		...deliveryMetrics(registry, now),
		...alertMetrics(registry, now),
		...retentionMetrics(registry, now),
		eventsApplied: new Counter({
			name: "plumb_events_applied_total",
			help: "Events the worker applied (processed) or failed to apply, by canonical type",
			labelNames: ["type", "outcome"] as const,
			registers: [registry],
		}),
		applyDuration: new Histogram({
			name: "plumb_event_apply_duration_seconds",
			help: "Time to apply one event (resolve, rules, writes) inside its batch",
			buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
			registers: [registry],
		}),
		eventsReceived: new Counter({
			name: "plumb_events_received_total",
			help: "Events stored in the inbox, by source and canonical type",
			labelNames: ["source", "type"] as const,
			registers: [registry],
		}),
		stripeReconcileRuns: new Counter({
			name: "plumb_stripe_reconcile_runs_total",
			help: "Reconcile runs with Stripe's List Events: done, busy (another process held the checkpoint) or failed",
			labelNames: ["outcome"] as const,
			registers: [registry],
		}),
		stripeReconcileEvents: new Counter({
			name: "plumb_stripe_reconcile_events_total",
			help: "Events reconcile read from Stripe: stored (a webhook Plumb had missed), known, other_type (not subscribed) or refused",
			labelNames: ["outcome"] as const,
			registers: [registry],
		}),
		duplicatesSuppressed: new Counter({
			name: "plumb_events_duplicates_total",
			help: "Deliveries of an event that was already stored (answered 200, not stored again)",
			labelNames: ["source"] as const,
			registers: [registry],
		}),
		stripeUnknownApiVersions: new Counter({
			name: "plumb_stripe_unknown_api_version_total",
			help: "Stripe events sent in an API version newer than Plumb knows, read with the newest known shape",
			labelNames: ["version"] as const,
			registers: [registry],
		}),
		signatureFailures: new Counter({
			name: "plumb_webhook_signature_failures_total",
			help: "Webhook requests refused for a missing, bad or old signature",
			labelNames: ["source"] as const,
			registers: [registry],
		}),
		webhookFailures: new Counter({
			name: "plumb_webhook_failures_total",
			help: "Webhook requests answered 4xx or 5xx (signature failures included), by source and status",
			labelNames: ["source", "status"] as const,
			registers: [registry],
		}),
		webhookProbes: new Counter({
			name: "plumb_webhook_probes_total",
			help: "Refused webhook requests marked as plumb doctor probes: counted here instead of in the failure counters and alert rules",
			labelNames: ["source", "status"] as const,
			registers: [registry],
		}),
		intentsRejected: new Counter({
			name: "plumb_intents_rejected_total",
			help: "POST /v1/events requests refused, by error code (unauthorized, validation_failed, rate_limited, …)",
			labelNames: ["reason"] as const,
			registers: [registry],
		}),
		httpRequests: new Counter({
			name: "plumb_http_requests_total",
			help: "HTTP requests by route and status class",
			labelNames: ["route", "status"] as const,
			registers: [registry],
		}),
		httpDuration: new Histogram({
			name: "plumb_http_request_duration_seconds",
			help: "HTTP request latency by route",
			labelNames: ["route"] as const,
			buckets: [
				0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
			],
			registers: [registry],
		}),
	};
}

export type Metrics = ReturnType<typeof createMetrics>;

/** What the queue gauges read from the database when Prometheus scrapes (any process can answer). */
export interface QueueSnapshot {
	queues: ReadonlyArray<{
		destination: string;
		due: number;
		scheduled: number;
		running: number;
		dead: number;
		oldest_due_seconds: number | null;
	}>;
	interventions: ReadonlyArray<{ kind: string; count: number }>;
}

/**
 * A database read shared by the gauges of one scrape (cached 0.5 s); a failed read shows no series.
 * `set` installs the read (any process may: the values are the same from every process).
 */
function scrapeSource<T>(now: () => number) {
	let source: (() => Promise<T>) | undefined;
	let cached: { at: number; value: Promise<T | undefined> } | undefined;
	return {
		set(read: () => Promise<T>): void {
			source = read;
			cached = undefined;
		},
		read(): Promise<T | undefined> {
			if (source === undefined) return Promise.resolve(undefined);
			const at = now();
			if (cached === undefined || at - cached.at > 500) {
				const read = source;
				cached = { at, value: read().catch(() => undefined) };
			}
			return cached.value;
		},
	};
}

/** The delivery engine's metrics (issue 5 item 9); queue gauges come from `setQueueSource`. */
function deliveryMetrics(registry: Registry, now: () => number) {
	const queue = scrapeSource<QueueSnapshot>(now);
	const snapshot = () => queue.read();
	const destinations = ["destination"] as const;
	return {
		/** Installs the database read behind the queue gauges (the worker and `serve` do, once). */
		setQueueSource: queue.set,
		deliveryAttempts: new Counter({
			name: "plumb_delivery_attempts_total",
			help: "Delivery attempts by destination and outcome (succeeded, retry, permanent, skipped, fenced)",
			labelNames: ["destination", "outcome"] as const,
			registers: [registry],
		}),
		deliveriesSettled: new Counter({
			name: "plumb_deliveries_total",
			help: "Deliveries settled by this process, by destination and the status they moved to",
			labelNames: ["destination", "status"] as const,
			registers: [registry],
		}),
		deliveryDuration: new Histogram({
			name: "plumb_delivery_attempt_duration_seconds",
			help: "One connector call, by destination",
			labelNames: destinations,
			buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
			registers: [registry],
		}),
		syncLatency: new Histogram({
			name: "plumb_sync_latency_seconds",
			help: "Event received → its delivery succeeded, by destination",
			labelNames: destinations,
			buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
			registers: [registry],
		}),
		leasesRecovered: new Counter({
			name: "plumb_delivery_leases_recovered_total",
			help: "Deliveries taken back from a worker whose lease expired",
			labelNames: destinations,
			registers: [registry],
		}),
		destinationPauses: new Counter({
			name: "plumb_delivery_rate_limited_total",
			help: "429 answers that paused a destination for its Retry-After",
			labelNames: destinations,
			registers: [registry],
		}),
		queueDepth: new Gauge({
			name: "plumb_delivery_queue_depth",
			help: "Deliveries waiting or running, by destination and state (due, scheduled, running)",
			labelNames: ["destination", "state"] as const,
			registers: [registry],
			async collect() {
				const read = await snapshot();
				this.reset();
				for (const q of read?.queues ?? []) {
					this.set({ destination: q.destination, state: "due" }, q.due);
					this.set(
						{ destination: q.destination, state: "scheduled" },
						q.scheduled,
					);
					this.set({ destination: q.destination, state: "running" }, q.running);
				}
			},
		}),
		oldestDueAge: new Gauge({
			name: "plumb_delivery_oldest_due_age_seconds",
			help: "How long the oldest due delivery has been waiting for a worker, by destination",
			labelNames: destinations,
			registers: [registry],
			async collect() {
				const read = await snapshot();
				this.reset();
				for (const q of read?.queues ?? [])
					this.set({ destination: q.destination }, q.oldest_due_seconds ?? 0);
			},
		}),
		deadLetters: new Gauge({
			name: "plumb_deliveries_dead",
			help: "Dead deliveries waiting for a replay, by destination",
			labelNames: destinations,
			registers: [registry],
			async collect() {
				const read = await snapshot();
				this.reset();
				for (const q of read?.queues ?? [])
					this.set({ destination: q.destination }, q.dead);
			},
		}),
		manualInterventions: new Counter({
			name: "plumb_manual_interventions_total",
			help: "Manual interventions recorded in plumb.interventions (replays …), by kind",
			labelNames: ["kind"] as const,
			registers: [registry],
			async collect() {
				const read = await snapshot();
				if (read === undefined) return;
				this.reset();
				for (const row of read.interventions)
					this.inc({ kind: row.kind }, row.count);
			},
		}),
	};
}

/** What the table gauges read from the database (pg_stat_user_tables) when Prometheus scrapes. */
export type TableSnapshot = ReadonlyArray<{
	table: string;
	bytes: number;
	live_rows: number;
	dead_rows: number;
}>;

/** Retention (docs/scaling.md): what prune removed, and how big each table is and how many dead rows it holds. */
function retentionMetrics(registry: Registry, now: () => number) {
	const tables = scrapeSource<TableSnapshot>(now);
	const tableGauge = (
		name: string,
		help: string,
		value: (row: TableSnapshot[number]) => number,
	) =>
		new Gauge({
			name,
			help,
			labelNames: ["table"] as const,
			registers: [registry],
			async collect() {
				const read = await tables.read();
				this.reset();
				for (const row of read ?? [])
					this.set({ table: row.table }, value(row));
			},
		});
	return {
		/** Installs the database read behind the table gauges. */
		setTableSource: tables.set,
		tableBytes: tableGauge(
			"plumb_table_size_bytes",
			"Size of each Plumb table with its indexes and TOAST (pg_total_relation_size)",
			(row) => row.bytes,
		),
		tableLiveRows: tableGauge(
			"plumb_table_live_rows",
			"Live rows of each Plumb table (Postgres's estimate, pg_stat_user_tables)",
			(row) => row.live_rows,
		),
		tableDeadRows: tableGauge(
			"plumb_table_dead_rows",
			"Dead rows (tuples) of each Plumb table waiting for (auto)vacuum (pg_stat_user_tables)",
			(row) => row.dead_rows,
		),
		pruneRuns: new Counter({
			name: "plumb_prune_runs_total",
			help: "Prune runs by this process: done, partial (stopped at its time budget; continues next run), busy (another process held the lease) or failed",
			labelNames: ["outcome"] as const,
			registers: [registry],
		}),
		prunedRows: new Counter({
			name: "plumb_pruned_rows_total",
			help: "Rows prune removed, by kind (payloads: raw payloads emptied; attempts, sessions, alerts, buckets: rows deleted)",
			labelNames: ["kind"] as const,
			registers: [registry],
		}),
	};
}

/** Open alerts by kind and severity, read from `plumb.alerts` when Prometheus scrapes. */
export type AlertSnapshot = ReadonlyArray<{
	kind: string;
	severity: string;
	count: number;
}>;

/** Alerts (issue 9): what is firing now (from the database) and what this process's evaluator did. */
function alertMetrics(registry: Registry, now: () => number) {
	const alerts = scrapeSource<AlertSnapshot>(now);
	return {
		/** Installs the database read behind `plumb_alerts_open`. */
		setAlertSource: alerts.set,
		alertsOpen: new Gauge({
			name: "plumb_alerts_open",
			help: "Alerts firing now (open or acknowledged, not resolved), by kind and severity",
			labelNames: ["kind", "severity"] as const,
			registers: [registry],
			async collect() {
				const read = await alerts.read();
				this.reset();
				for (const row of read ?? [])
					this.set({ kind: row.kind, severity: row.severity }, row.count);
			},
		}),
		alertRuleEvaluations: new Counter({
			name: "plumb_alert_rule_evaluations_total",
			help: "Alert-rule evaluations by this process: evaluated, skipped (another process held the lock) or failed",
			labelNames: ["outcome"] as const,
			registers: [registry],
		}),
		alertsFired: new Counter({
			name: "plumb_alerts_fired_total",
			help: "Alert-rule episodes this process opened, by kind",
			labelNames: ["kind"] as const,
			registers: [registry],
		}),
		alertsResolved: new Counter({
			name: "plumb_alerts_resolved_total",
			help: "Alert-rule episodes this process closed, by kind",
			labelNames: ["kind"] as const,
			registers: [registry],
		}),
	};
}
