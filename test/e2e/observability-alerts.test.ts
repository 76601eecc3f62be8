/**
 * The alert rules end to end: each rule driven over its threshold → exactly one message per episode
 * to a loopback Slack stand-in and the real SMTP test server; cleared → one "resolved" notice; two
 * evaluators (two processes' pools) at once on real PostgreSQL → still one episode, one notice.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/index.ts";
import { createConnectors } from "../../src/connectors/index.ts";
import { createLogger } from "../../src/observability/index.ts";
import {
	type AlertEvaluationDeps,
	evaluateAlertRules,
} from "../../src/queue/index.ts";
import { openPg } from "../../src/store/index.ts";
import { captureLogs, testConfig } from "../support/app.ts";
import { waitFor } from "../support/child.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import {
	startTestWorker,
	type TestWorker,
	testSettings,
} from "../support/delivery-worker.ts";
import { type SmtpStandIn, startSmtpServer } from "../support/smtp.ts";
import { startSlackStandIn } from "../support/vendor-stand-ins.ts";
import { RULES, type Rule } from "./observability-alert-rules.ts";

const SMTP_AUTH = { user: "alerts", pass: "smtp-pass-0123" };

describe.each(backends)("alert rules on %s", (backend: Backend) => {
	let testDb: TestDb;
	let slack: Awaited<ReturnType<typeof startSlackStandIn>>;
	let smtp: SmtpStandIn;
	let config: Config;
	let worker: TestWorker | undefined;
	let deps: AlertEvaluationDeps;

	beforeEach(async () => {
		testDb = await freshDb(backend);
		[slack, smtp] = await Promise.all([
			startSlackStandIn(),
			startSmtpServer(SMTP_AUTH),
		]);
		config = testConfig({
			SLACK_WEBHOOK_URL: slack.webhookUrl,
			SMTP_URL: smtp.url(),
			ALERT_EMAIL_TO: "oncall@plumb.test",
			ALERT_EMAIL_FROM: "Plumb <alerts@plumb.test>",
			PLUMB_ALERT_MIN_SAMPLES: "1",
		});
		const { stream } = captureLogs();
		deps = {
			db: testDb.db,
			logger: createLogger({
				level: "info",
				secretValues: [],
				destination: stream,
			}),
			settings: config.alerts,
			publicUrl: "http://plumb.test",
		};
		worker = await startTestWorker(testDb, {
			connectors: createConnectors(config, { logger: deps.logger }),
			settings: testSettings({ timeoutMs: 5_000, leaseMs: 10_000 }),
		});
	});
	afterEach(async () => {
		await worker?.stop();
		await Promise.all([slack.close(), smtp.close()]);
		await testDb.dispose();
	});

	/** Waits until every notification queued so far was sent. */
	async function notificationsSent(): Promise<void> {
		await waitFor(async () => {
			const [row] = await testDb.db.query<{ n: number }>(
				"select count(*)::int as n from plumb.deliveries where action = 'notify' and status <> 'succeeded'",
			);
			return row?.n === 0;
		}, 20_000);
	}

	const sent = (title: RegExp) => ({
		slack: slack.messages.filter((m) => title.test(String(m.text))).length,
		email: smtp.messages.filter((m) => title.test(m.headers.subject ?? ""))
			.length,
	});

	it.each(RULES.map((rule) => [rule.key, rule] as const))(
		"%s: one message per episode, then one resolved notice",
		async (_key, rule) => {
			deps = { ...deps, settings: { ...deps.settings, ...rule.settings } };
			await rule.drive(testDb.db);
			expect(await evaluateAlertRules(deps)).toEqual({
				fired: [rule.key],
				resolved: [],
				notices: 0,
			});
			// Still over the threshold: the same episode, nothing new.
			expect(await evaluateAlertRules(deps)).toEqual({
				fired: [],
				resolved: [],
				notices: 0,
			});
			await notificationsSent();
			expect(sent(rule.title)).toEqual({ slack: 1, email: 1 });
			const [open] = await testDb.db.query<{ status: string; kind: string }>(
				"select status, kind from plumb.alerts where dedupe_key = $1",
				[rule.key],
			);
			expect(open?.status).toBe("open");

			await rule.clear(testDb.db);
			expect(await evaluateAlertRules(deps)).toEqual({
				fired: [],
				resolved: [rule.key],
				notices: 1,
			});
			expect(await evaluateAlertRules(deps)).toEqual({
				fired: [],
				resolved: [],
				notices: 0,
			});
			await notificationsSent();
			const resolved = new RegExp(`Resolved: ${rule.title.source}`);
			expect(sent(resolved)).toEqual({ slack: 1, email: 1 });
			expect(sent(rule.title)).toEqual({ slack: 2, email: 2 });
			expect(slack.messages).toHaveLength(2);
			expect(smtp.messages).toHaveLength(2);
		},
	);

	it("an alert Slack cannot take yet is a delivery that retries: still exactly one message", async () => {
		slack.fail(
			{ kind: "status", status: 503, body: "rollup_error" },
			{ times: 2 },
		);
		const rule = RULES[0] as Rule;
		deps = { ...deps, settings: { ...deps.settings, ...rule.settings } };
		await rule.drive(testDb.db);
		expect((await evaluateAlertRules(deps))?.fired).toEqual([rule.key]);
		await notificationsSent();
		expect(sent(rule.title)).toEqual({ slack: 1, email: 1 });
		const [row] = await testDb.db.query<{ attempts: number }>(
			"select attempts from plumb.deliveries where destination = 'slack' and action = 'notify'",
		);
		expect(row?.attempts).toBe(3);
	});

	it("a dead delivery keeps its own alert, and a replay that delivers it sends one resolved notice", async () => {
		const [delivery] = await testDb.db.query<{ id: string }>(
			`insert into plumb.deliveries (destination, action, idempotency_key, status, attempts, budget_attempts)
			 values ('hubspot', 'crm_sync', 'dead:1', 'succeeded', 5, 3) returning id`,
		);
		const [alert] = await testDb.db.query<{ id: string }>(
			`insert into plumb.alerts (kind, dedupe_key, severity, title, delivery_id, status, resolved_at)
			 values ('dead_delivery', $1, 'warning', 'HubSpot crm_sync is dead', $2, 'resolved', now()) returning id`,
			[`dead:${delivery?.id}`, delivery?.id],
		);
		// Its opening was notified (raiseDeadLetter queues these).
		await testDb.db.query(
			`insert into plumb.deliveries (destination, action, idempotency_key, status, payload)
			 values ('slack', 'notify', $1, 'succeeded', '{}')`,
			[`slack:notify:${alert?.id}:dead_delivery`],
		);
		expect(await evaluateAlertRules(deps)).toMatchObject({ notices: 1 });
		expect(await evaluateAlertRules(deps)).toMatchObject({ notices: 0 });
		await notificationsSent();
		expect(sent(/Resolved: HubSpot crm_sync is dead/)).toEqual({
			slack: 1,
			email: 1,
		});
	});

	it.runIf(backend === "pg")(
		"two evaluators in two connection pools at once never double-fire or double-resolve",
		async () => {
			const other = openPg({ connectionString: testDb.url as string, max: 4 });
			try {
				const settings = { ...deps.settings, ...RULES[0]?.settings };
				const rivals = [
					{ ...deps, settings },
					{ ...deps, settings, db: other },
				];
				const race = () =>
					Promise.all(
						Array.from({ length: 8 }, (_, i) =>
							evaluateAlertRules(rivals[i % 2] as AlertEvaluationDeps),
						),
					);
				await RULES[0]?.drive(testDb.db);
				const fired = (await race()).flatMap((e) => e?.fired ?? []);
				expect(fired).toEqual(["rule:webhook_verification"]);
				await RULES[0]?.clear(testDb.db);
				const closed = await race();
				expect(closed.flatMap((e) => e?.resolved ?? [])).toEqual([
					"rule:webhook_verification",
				]);
				expect(closed.reduce((n, e) => n + (e?.notices ?? 0), 0)).toBe(1);
				await notificationsSent();
				expect(slack.messages).toHaveLength(2);
				expect(smtp.messages).toHaveLength(2);
			} finally {
				await other.close();
			}
		},
	);
});
