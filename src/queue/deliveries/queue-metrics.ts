/** Feeds the queue gauges (depth, oldest due age, dead letters, interventions) from the database. */
import type { Metrics } from "../../observability/index.ts";
import { countInterventions, type Db, queueStats } from "../../store/index.ts";

/** Any process may call this once; each Prometheus scrape then reads the database (one read, cached 0.5 s). */
export function watchQueueMetrics(metrics: Metrics, db: Db): void {
	metrics.setQueueSource(async () => ({
		queues: await queueStats(db),
		interventions: await countInterventions(db),
	}));
}
