/**
 * GET /metrics is valid Prometheus text (checked by a strict parser of the exposition format) and its
 * series move as events, duplicates, signature failures, dead letters and interventions happen.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { watchAlertMetrics } from "../../src/cli/observability.ts";
import type { Config } from "../../src/config/index.ts";
import { createConnectors } from "../../src/connectors/index.ts";
import {
	createLogger,
	createMetrics,
	type Metrics,
} from "../../src/observability/index.ts";
import {
	type DeliveryWorker,
	startDeliveryWorker,
	watchQueueMetrics,
} from "../../src/queue/index.ts";
import { pollingWakeup, recordIntervention } from "../../src/store/index.ts";
import { captureLogs, testConfig } from "../support/app.ts";
import { waitFor } from "../support/child.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { seedOne, testSettings } from "../support/delivery-worker.ts";
import { envelope, stripeObject, stripeRequest } from "../support/stripe.ts";
import { startSlackStandIn } from "../support/vendor-stand-ins.ts";

interface Sample {
	name: string;
	labels: Record<string, string>;
	value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE =
	/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?$/;
const LABEL = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<string, string[]> = {
	histogram: ["_bucket", "_sum", "_count"],
	summary: ["", "_sum", "_count"],
};

/** The Prometheus text exposition format (version 0.0.4), strictly: anything else throws. */
function parsePrometheus(text: string): Sample[] {
	const types = new Map<string, string>();
	const samples: Sample[] = [];
	for (const [index, line] of text.split("\n").entries()) {
		const where = `line ${index + 1}: ${line}`;
		if (line.trim() === "") continue;
		if (line.startsWith("#")) {
			const [, keyword, name, rest] =
				/^#\s+(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line) ?? [];
			if (keyword === undefined) continue; // a plain comment
			if (!NAME.test(name ?? "")) throw new Error(`bad metric name, ${where}`);
			if (keyword === "TYPE") {
				if (!TYPES.has(rest ?? "")) throw new Error(`bad type, ${where}`);
				if (types.has(name as string)) throw new Error(`second TYPE, ${where}`);
				types.set(name as string, rest as string);
			}
			continue;
		}
		const match = SAMPLE.exec(line);
		if (!match) throw new Error(`not a sample, ${where}`);
		const [, name = "", labelText = "", valueText = ""] = match;
		const labels: Record<string, string> = {};
		let rest = labelText;
		while (rest.trim() !== "") {
			const label = LABEL.exec(rest);
			if (!label) throw new Error(`bad labels, ${where}`);
			labels[label[1] as string] = (label[2] as string).replace(
				/\\(.)/g,
				(_, c: string) => (c === "n" ? "\n" : c),
			);
			rest = rest.slice(label[0].length);
		}
		// Go's ParseFloat, which Prometheus uses: NaN and Inf in any case (prom-client writes "Nan").
		const value = /^[+-]?(inf|infinity)$/i.test(valueText)
			? valueText.startsWith("-")
				? Number.NEGATIVE_INFINITY
				: Number.POSITIVE_INFINITY
			: /^nan$/i.test(valueText)
				? Number.NaN
				: Number(valueText);
		if (Number.isNaN(value) && !/^nan$/i.test(valueText))
			throw new Error(`bad value, ${where}`);
		const family = [...types.entries()].find(([base, type]) =>
			(SUFFIXES[type] ?? [""]).some((suffix) => name === base + suffix),
		);
		if (family === undefined) throw new Error(`sample without TYPE, ${where}`);
		samples.push({ name, labels, value });
	}
	return samples;
}

/** Sum of the samples named `name` whose labels include `labels`. */
function sampleValue(
	samples: Sample[],
	name: string,
	labels: Record<string, string> = {},
): number {
	return samples
		.filter(
			(s) =>
				s.name === name &&
				Object.entries(labels).every(([k, v]) => s.labels[k] === v),
		)
		.reduce((sum, s) => sum + s.value, 0);
}

describe("the format parser", () => {
	it("refuses what Prometheus would refuse", () => {
		expect(() => parsePrometheus("# TYPE a counter\na 1\n")).not.toThrow();
		expect(() => parsePrometheus("b 1\n")).toThrow(/without TYPE/);
		expect(() => parsePrometheus('# TYPE a gauge\na{x="1} 2\n')).toThrow(
			/bad labels/,
		);
		expect(() => parsePrometheus("# TYPE a gauge\na one\n")).toThrow(
			/bad value/,
		);
	});
});

describe.each(backends)("GET /metrics on %s", (backend: Backend) => {
	let testDb: TestDb;
	let slack: Awaited<ReturnType<typeof startSlackStandIn>>;
	let config: Config;
	let metrics: Metrics;
	let app: ReturnType<typeof createApp>;
	let worker: DeliveryWorker | undefined;

	beforeEach(async () => {
		testDb = await freshDb(backend);
		slack = await startSlackStandIn();
		config = testConfig({
			SLACK_WEBHOOK_URL: slack.webhookUrl,
			METRICS_TOKEN: "metrics-token-0123456789",
		});
		const logger = createLogger({
			level: "warn",
			secretValues: config.secretValues,
			destination: captureLogs().stream,
		});
		metrics = createMetrics({ defaultMetrics: true });
		app = createApp({ config, db: testDb.db, logger, metrics });
		watchQueueMetrics(metrics, testDb.db);
		watchAlertMetrics(metrics, testDb.db);
		worker = startDeliveryWorker({
			db: testDb.db,
			logger,
			metrics,
			wakeup: pollingWakeup(10),
			connectors: createConnectors(config, { logger }),
			settings: testSettings(),
			publicUrl: "http://plumb.test",
		});
	});
	afterEach(async () => {
		await worker?.stop();
		await slack.close();
		await testDb.dispose();
	});

	async function scrape(): Promise<Sample[]> {
		const res = await app.request("/metrics", {
			headers: { authorization: "Bearer metrics-token-0123456789" },
		});
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
		// A new database read per scrape, not the previous scrape's cached answer.
		await new Promise((resolve) => setTimeout(resolve, 600));
		return parsePrometheus(await res.text());
	}

	it("parses, and the counters move as things happen", async () => {
		expect((await app.request("/metrics")).status).toBe(401);
		const before = await scrape();
		expect(sampleValue(before, "plumb_events_received_total")).toBe(0);

		const payload = envelope("charge.refunded", stripeObject("charge"));
		const stored = await app.request(
			"/webhooks/stripe",
			stripeRequest(payload),
		);
		const { event_id } = (await stored.json()) as { event_id: string };
		await app.request("/webhooks/stripe", stripeRequest(payload));
		await app.request(
			"/webhooks/stripe",
			stripeRequest(payload, { secret: "whsec_wrong_0000000000" }),
		);
		await app.request("/v1/events", { method: "POST", body: "{}" });
		await recordIntervention(testDb.db, {
			kind: "replay",
			actor: "test",
			reason: "metrics",
			target: {},
			affected: 1,
		});
		// One notification Slack refuses for good (dead after 3 tries), one it takes.
		slack.fail(
			{ kind: "status", status: 400, body: "invalid_payload" },
			{ when: (req) => JSON.stringify(req.body).includes("Refused") },
		);
		const notice = (title: string) => ({
			kind: "alert_rule",
			severity: "warning",
			title,
			text: "metrics test",
			fields: [],
		});
		await seedOne(testDb.db, {
			destination: "slack",
			action: "notify",
			key: "slack:notify:refused",
			payload: notice("Refused"),
		});
		await seedOne(testDb.db, {
			destination: "slack",
			action: "notify",
			key: "slack:notify:taken",
			eventId: event_id,
			payload: notice("Taken"),
		});
		await waitFor(async () => {
			const rows = await testDb.db.query<{ status: string }>(
				"select status from plumb.deliveries order by status",
			);
			return rows.map((r) => r.status).join(",") === "dead,succeeded";
		});

		const after = await scrape();
		const moved = (name: string, labels: Record<string, string> = {}) =>
			sampleValue(after, name, labels) - sampleValue(before, name, labels);
		expect(
			moved("plumb_events_received_total", {
				source: "stripe",
				type: "refund_issued",
			}),
		).toBe(1);
		expect(moved("plumb_events_duplicates_total", { source: "stripe" })).toBe(
			1,
		);
		expect(
			moved("plumb_webhook_signature_failures_total", { source: "stripe" }),
		).toBe(1);
		expect(
			moved("plumb_webhook_failures_total", {
				source: "stripe",
				status: "401",
			}),
		).toBe(1);
		expect(moved("plumb_intents_rejected_total")).toBe(1);
		expect(moved("plumb_manual_interventions_total", { kind: "replay" })).toBe(
			1,
		);
		expect(
			moved("plumb_deliveries_total", { destination: "slack", status: "dead" }),
		).toBe(1);
		expect(
			moved("plumb_deliveries_total", {
				destination: "slack",
				status: "succeeded",
			}),
		).toBe(1);
		expect(
			moved("plumb_delivery_attempts_total", {
				destination: "slack",
				outcome: "permanent",
			}),
		).toBe(3);
		expect(
			sampleValue(after, "plumb_deliveries_dead", { destination: "slack" }),
		).toBe(1);
		expect(
			sampleValue(after, "plumb_alerts_open", {
				kind: "dead_delivery",
				severity: "warning",
			}),
		).toBe(1);
		expect(
			sampleValue(after, "plumb_sync_latency_seconds_count", {
				destination: "slack",
			}),
		).toBe(1);
		expect(
			sampleValue(after, "plumb_process_resident_memory_bytes"),
		).toBeGreaterThan(0);
	});
});
