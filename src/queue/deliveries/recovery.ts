/** Taking back deliveries whose worker went quiet (lease expired), page by page, dead letters included. */
import type { Logger, Metrics } from "../../observability/index.ts";
import {
	type Db,
	recoverExpiredLeases,
	type SettledDelivery,
} from "../../store/index.ts";
import { raiseDeadLetter } from "../alerts/index.ts";
import { withCrmSyncRetry } from "../crm-sync-policy.ts";

const PAGE = 100;

export async function recoverLeases(deps: {
	db: Db;
	logger: Logger;
	metrics: Metrics;
	horizonMs: number;
	publicUrl: string;
}): Promise<void> {
	for (;;) {
		const recovered = await withCrmSyncRetry(() =>
			deps.db.transaction(async (tx) => {
				const rows = await recoverExpiredLeases(tx, deps.horizonMs, PAGE);
				for (const d of rows)
					if (d.status === "dead") await raiseDeadLetter(tx, d, deps.publicUrl);
				return rows;
			}),
		);
		for (const d of recovered) logRecovered(deps.logger, deps.metrics, d);
		if (recovered.length < PAGE) return;
	}
}

function logRecovered(
	logger: Logger,
	metrics: Metrics,
	d: SettledDelivery,
): void {
	metrics.leasesRecovered.inc({ destination: d.destination });
	metrics.deliveryAttempts.inc({
		destination: d.destination,
		outcome: "fenced",
	});
	logger.warn(
		{
			correlation_id: d.id,
			step: "deliver",
			delivery_id: d.id,
			destination: d.destination,
			action: d.action,
			attempt: d.attempts,
			outcome: "lease_expired",
			status: d.status,
			reason: d.last_error ?? undefined,
		},
		"took back a delivery whose lease expired",
	);
}
