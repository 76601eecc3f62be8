import { describe, expect, it } from "vitest";
import { createMetrics } from "./metrics.ts";

describe("createMetrics: the database-backed gauges", () => {
	it("share one read per scrape for 0.5 s, then read again", async () => {
		let now = 1_000_000;
		const metrics = createMetrics({ now: () => now });
		let reads = 0;
		metrics.setAlertSource(async () => {
			reads += 1;
			return [{ kind: "dead_delivery", severity: "critical", count: reads }];
		});
		expect(
			await metrics.registry.getSingleMetricAsString("plumb_alerts_open"),
		).toContain(
			'plumb_alerts_open{kind="dead_delivery",severity="critical"} 1',
		);
		now += 500;
		await metrics.registry.metrics();
		expect(reads).toBe(1);
		now += 1;
		expect(
			await metrics.registry.getSingleMetricAsString("plumb_alerts_open"),
		).toContain(
			'plumb_alerts_open{kind="dead_delivery",severity="critical"} 2',
		);
		expect(reads).toBe(2);
	});

	it("show no series when the read fails", async () => {
		const metrics = createMetrics({ now: () => 0 });
		metrics.setAlertSource(() => Promise.reject(new Error("database gone")));
		expect(
			await metrics.registry.getSingleMetricAsString("plumb_alerts_open"),
		).not.toContain("plumb_alerts_open{");
	});
});
