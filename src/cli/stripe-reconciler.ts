/**
 * The worker's scheduled reconcile with Stripe (every PLUMB_STRIPE_RECONCILE_EVERY, default 1h; only
 * with STRIPE_API_KEY): the same run as `plumb reconcile`. Every worker schedules it; the checkpoint's
 * lease lets one process at a time do the work. A failed run is logged and retried next interval.
 */
import { reconcileStripe } from "../ingest/index.ts";
import { startLoop } from "../queue/index.ts";
import { createStripeApi, StripeApiError } from "../stripe/index.ts";
import type { Runtime } from "./runtime.ts";

export interface RunningReconciler {
	stop(): Promise<void>;
}

export function startStripeReconciler(
	runtime: Runtime,
	apiKey: string,
): RunningReconciler {
	const { config, db, logger, metrics, now } = runtime;
	const everyMs = config.stripe.reconcileEveryMs;
	const api = createStripeApi({ apiKey, apiBase: config.stripe.apiBase });
	const loop = startLoop({
		name: "stripe reconcile",
		step: "reconcile",
		// Soon after start (a restart after downtime is when events were missed), spread across processes.
		startDelayMs: Math.min(everyMs, 5_000 + Math.random() * 10_000),
		pass: async (signal) => {
			try {
				const result = await reconcileStripe(
					{ db, metrics, logger, api, now },
					{ signal },
				);
				if (!result.ran)
					logger.debug(
						{ step: "reconcile", outcome: "busy" },
						"another process is reconciling with Stripe",
					);
			} catch (error) {
				if (signal.aborted) return { idleMs: everyMs };
				logger.warn(
					{
						step: "reconcile",
						source: "stripe",
						outcome: "failed",
						err: {
							kind: error instanceof StripeApiError ? error.kind : "fault",
							message: error instanceof Error ? error.message : String(error),
						},
					},
					"stripe reconcile failed; trying again next interval",
				);
			}
			return { idleMs: everyMs };
		},
		logger,
		now,
	});
	return { stop: () => loop.stop() };
}
