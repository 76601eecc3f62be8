/** `plumb worker` (workers only) and the worker half of `plumb start`: the event worker, the delivery worker and the alert rules. */
import { createConnectors } from "../connectors/index.ts";
import { createScrubber, logThrottle } from "../observability/index.ts";
import {
	DELIVERIES_CHANNEL,
	startDeliveryWorker,
	startEventWorker,
	watchQueueMetrics,
} from "../queue/index.ts";
import {
	embeddedWakeup,
	listeningWakeup,
	type Wakeup,
} from "../store/index.ts";
import {
	startAlertEvaluator,
	watchAlertMetrics,
	watchTableMetrics,
} from "./observability.ts";
import { startPruner } from "./pruner.ts";
import type { Runtime } from "./runtime.ts";
import { startStripeReconciler } from "./stripe-reconciler.ts";

export interface RunningWorkers {
	/** Stops claiming, drains in-flight work (PLUMB_DELIVERY_DRAIN_TIMEOUT), releases the rest. */
	stop(): Promise<void>;
}

/** The channel ingest notifies after storing events (store `wakeEventWorkers`), for the event worker. */
const EVENTS_CHANNEL = "plumb_events";

export async function startWorkers(runtime: Runtime): Promise<RunningWorkers> {
	const { config, db, logger, metrics, now } = runtime;
	// One LISTEN connection per process serves both workers; PGlite hears its own NOTIFYs in-process.
	// While the database is away each reconnect fails again: one line per 10 s says so.
	const throttle = logThrottle();
	const wakeup: Wakeup =
		db.kind === "pg" && config.database.url
			? await listeningWakeup(
					config.database.url,
					[DELIVERIES_CHANNEL, EVENTS_CHANNEL],
					(error) =>
						throttle((suppressed) =>
							logger.warn(
								{
									step: "listen",
									outcome: "lost",
									suppressed,
									err: { message: error.message },
								},
								"lost the LISTEN connection; polling until it is back",
							),
						),
				)
			: await embeddedWakeup(db, [DELIVERIES_CHANNEL, EVENTS_CHANNEL]);
	watchQueueMetrics(metrics, db);
	watchAlertMetrics(metrics, db);
	watchTableMetrics(metrics, db);
	const connectors = createConnectors(config, { logger });
	const deliveries = startDeliveryWorker({
		db,
		logger,
		metrics,
		wakeup,
		connectors,
		settings: config.delivery,
		publicUrl: config.publicUrl,
		scrub: createScrubber(config.secretValues),
		now,
	});
	const events = startEventWorker({
		db,
		logger,
		metrics,
		wakeup,
		plans: config.plans,
		publicUrl: config.publicUrl,
		now,
	});
	// Every worker runs the evaluator; an advisory lock lets one process at a time do the work.
	const alertRules = startAlertEvaluator({
		db,
		logger,
		metrics,
		settings: config.alerts,
		publicUrl: config.publicUrl,
		now,
	});
	// Off without STRIPE_API_KEY: there is nothing to read Stripe's events with.
	const apiKey = config.stripe.apiKey;
	const reconciler = apiKey
		? startStripeReconciler(runtime, apiKey)
		: undefined;
	// Every worker schedules it; the prune lease lets one process at a time do the work.
	const pruner = startPruner(runtime);
	logger.info(
		{
			step: "start",
			worker: "deliveries",
			configured: Object.keys(connectors),
			concurrency: config.delivery.concurrency,
			stripe_reconcile_every_ms: reconciler
				? config.stripe.reconcileEveryMs
				: null,
			database: db.kind === "pg" ? "postgres" : "pglite",
		},
		"delivery worker started",
	);
	return {
		async stop() {
			// Events first: deliveries they queue while draining still find a running delivery worker.
			await Promise.all([
				events.stop(),
				alertRules.stop(),
				reconciler?.stop(),
				pruner.stop(),
			]);
			await deliveries.stop();
			await wakeup.close();
		},
	};
}
