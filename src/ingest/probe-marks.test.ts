/**
 * Marked `plumb doctor` probes (http/probe.ts) on the real app: a refusal with a valid mark counts
 * apart and feeds no alert rule; a forged, stale or misplaced mark counts like any refusal; a probe
 * never hides a 5xx and never changes the answer.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN, testApp } from "../../test/support/app.ts";
import { backends, freshDb, type TestDb } from "../../test/support/db.ts";
import { PROBE_HEADER, probeMark } from "../http/index.ts";
import { readAlertRuleInputs } from "../store/index.ts";

const unsigned = (mark?: string): RequestInit => ({
	method: "POST",
	headers: {
		"content-type": "application/json",
		...(mark === undefined ? {} : { [PROBE_HEADER]: mark }),
	},
	body: "{}",
});

describe.each(backends)("marked doctor probes on %s", (backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	const failureRows = async () =>
		(
			await testDb.db.query<{ n: number }>(
				"select coalesce(sum(count), 0)::int as n from plumb.webhook_failures",
			)
		)[0]?.n;
	const counter = async (
		t: ReturnType<typeof testApp>,
		name: string,
	): Promise<number> =>
		(await t.metrics.registry.getSingleMetricAsString(name))
			.split("\n")
			.filter((line) => line.startsWith(`${name}{`))
			.reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);

	it("counts a marked refusal apart, and a forged, stale or misplaced mark as a real failure", async () => {
		const t = testApp(testDb.db);
		const now = Date.now();
		const mark = (token: string, at: number, path = "/webhooks/stripe") =>
			probeMark(token, at, "POST", path);

		const probe = await t.app.request(
			"/webhooks/stripe",
			unsigned(mark(TEST_ADMIN_TOKEN, now)),
		);
		expect(probe.status).toBe(401);
		expect(await failureRows()).toBe(0);
		expect(await counter(t, "plumb_webhook_probes_total")).toBe(1);
		expect(await counter(t, "plumb_webhook_failures_total")).toBe(0);
		expect(await counter(t, "plumb_webhook_signature_failures_total")).toBe(0);
		expect(
			t.logs().some((l) => l.msg === "request" && l.probe === "doctor"),
		).toBe(true);

		for (const forged of [
			mark("another-admin-token-0123456789abcdef", now),
			mark(TEST_ADMIN_TOKEN, now - 10 * 60_000),
			mark(TEST_ADMIN_TOKEN, now, "/webhooks/zendesk"),
			"t=1,v1=00",
		]) {
			const res = await t.app.request("/webhooks/stripe", unsigned(forged));
			expect(res.status).toBe(401);
		}
		expect(await failureRows()).toBe(4);
		expect(await counter(t, "plumb_webhook_signature_failures_total")).toBe(4);
		expect(await counter(t, "plumb_webhook_probes_total")).toBe(1);
		const inputs = await readAlertRuleInputs(testDb.db, {
			windowMs: 60_000,
			deliveryRetries: 3,
			nowMs: Date.now(),
		});
		expect(inputs.verificationFailures).toEqual({ stripe: 4 });
	});

	it("never hides a 5xx: with no webhook secret the marked probe's 503 counts as a failure", async () => {
		const t = testApp(testDb.db, { env: { STRIPE_WEBHOOK_SECRET: "" } });
		const res = await t.app.request(
			"/webhooks/stripe",
			unsigned(
				probeMark(TEST_ADMIN_TOKEN, Date.now(), "POST", "/webhooks/stripe"),
			),
		);
		expect(res.status).toBe(503);
		expect(await failureRows()).toBe(1);
		expect(await counter(t, "plumb_webhook_probes_total")).toBe(0);
	});
});
