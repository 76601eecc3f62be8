import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";

const SECRET = "dGhpcy1pcy1hLXplbmRlc2stc2lnbmluZy1zZWNyZXQ=";
const ENV = { ZENDESK_WEBHOOK_SECRET: SECRET };

/** What the README's trigger template renders to for a solved ticket. */
function triggerBody(overrides: Record<string, string> = {}): string {
	return JSON.stringify({
		ticket_id: "35436",
		status: "Solved",
		external_id: "support:cus-1:billing_issue",
		updated_at: "2026-11-23T10:15:00Z",
		...overrides,
	});
}

const sign = (body: string, timestamp: string, secret = SECRET) =>
	createHmac("sha256", secret).update(`${timestamp}${body}`).digest("base64");

function zendeskRequest(
	body: string,
	options: {
		timestamp?: string;
		signature?: string | null;
		secret?: string;
		contentType?: string;
	} = {},
): RequestInit {
	const timestamp = options.timestamp ?? new Date().toISOString();
	const headers: Record<string, string> = {
		"content-type": options.contentType ?? "application/json",
		"x-zendesk-webhook-signature-timestamp": timestamp,
	};
	const signature =
		options.signature === undefined
			? sign(body, timestamp, options.secret)
			: options.signature;
	if (signature !== null) headers["x-zendesk-webhook-signature"] = signature;
	return { method: "POST", headers, body };
}

async function rows(testDb: TestDb) {
	return testDb.db.query<{
		type: string;
		source: string;
		external_id: string;
		data: { ticket: Record<string, string> };
		occurred_at: Date;
	}>(
		"select type, source, external_id, data, occurred_at from plumb.events order by received_at",
	);
}

describe.each(backends)("POST /webhooks/zendesk on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it("stores a solved ticket once as ticket_closed, through the same inbox", async () => {
		const { app, metrics } = testApp(testDb.db, { env: ENV });
		const body = triggerBody();
		const first = await app.request("/webhooks/zendesk", zendeskRequest(body));
		expect(first.status).toBe(200);
		const firstBody = (await first.json()) as { event_id: string };
		expect(firstBody).toMatchObject({ received: true, duplicate: false });
		// Zendesk retries the same rendered body with a new signature timestamp.
		const retry = await app.request(
			"/webhooks/zendesk",
			zendeskRequest(body, {
				timestamp: new Date(Date.now() + 1000).toISOString(),
			}),
		);
		expect(await retry.json()).toEqual({
			received: true,
			duplicate: true,
			event_id: firstBody.event_id,
		});
		expect(await rows(testDb)).toEqual([
			{
				type: "ticket_closed",
				source: "zendesk",
				external_id: "ticket:35436:solved:2026-11-23T10:15:00Z",
				data: expect.objectContaining({
					ticket: {
						ticket_id: "35436",
						status: "solved",
						external_id: "support:cus-1:billing_issue",
					},
				}),
				occurred_at: new Date("2026-11-23T10:15:00Z"),
			},
		]);
		expect((await metrics.duplicatesSuppressed.get()).values[0]?.value).toBe(1);
	});

	it("keeps a second solve after a reopen, stores other statuses as ignored, and accepts Zendesk's event envelope", async () => {
		const { app } = testApp(testDb.db, { env: ENV });
		for (const body of [
			triggerBody(),
			triggerBody({ status: "Open", updated_at: "2026-11-23T11:00:00Z" }),
			triggerBody({
				status: "closed",
				updated_at: "2026-11-24T10:00:00Z",
				external_id: "",
			}),
			JSON.stringify({
				type: "zen:event-type:ticket.status_changed",
				id: "01HXYZEVENT",
				time: "2026-11-25T09:00:00Z",
				account_id: 1,
				detail: { id: "77", status: "SOLVED", external_id: "dispute:dp_1" },
				event: { current: "SOLVED", previous: "OPEN" },
				subject: "zen:ticket:77",
				zendesk_event_version: "2022-11-06",
			}),
		])
			expect(
				(await app.request("/webhooks/zendesk", zendeskRequest(body))).status,
			).toBe(200);
		const stored = await rows(testDb);
		expect(stored.map((r) => [r.type, r.external_id])).toEqual([
			["ticket_closed", "ticket:35436:solved:2026-11-23T10:15:00Z"],
			["ignored", "ticket:35436:open:2026-11-23T11:00:00Z"],
			["ticket_closed", "ticket:35436:closed:2026-11-24T10:00:00Z"],
			["ticket_closed", "event:01HXYZEVENT"],
		]);
		expect(stored[2]?.data.ticket).toEqual({
			ticket_id: "35436",
			status: "closed",
		});
		expect(stored[3]?.data.ticket).toEqual({
			ticket_id: "77",
			status: "solved",
			external_id: "dispute:dp_1",
		});
	});

	describe("refuses bad signatures with 401, storing nothing but a counter and a log line", () => {
		const body = triggerBody();
		const at = (offsetSeconds: number) =>
			new Date(Date.now() + offsetSeconds * 1000).toISOString();
		const flip = (s: string) => `${s[0] === "A" ? "B" : "A"}${s.slice(1)}`;
		const cases: Array<[string, () => RequestInit]> = [
			[
				"one byte of the body flipped",
				() => ({
					...zendeskRequest(body),
					body: body.replace("35436", "35437"),
				}),
			],
			[
				"one character of the signature flipped",
				() => {
					const timestamp = new Date().toISOString();
					return zendeskRequest(body, {
						timestamp,
						signature: flip(sign(body, timestamp)),
					});
				},
			],
			[
				"the wrong secret",
				() => zendeskRequest(body, { secret: "someone-elses-secret" }),
			],
			["no signature header", () => zendeskRequest(body, { signature: null })],
			[
				"a timestamp 301 s old",
				() => zendeskRequest(body, { timestamp: at(-301) }),
			],
			[
				"a timestamp 301 s in the future",
				() => zendeskRequest(body, { timestamp: at(301) }),
			],
			[
				"a timestamp that is not a date",
				() => zendeskRequest(body, { timestamp: "yesterday" }),
			],
			[
				"the signature of another timestamp",
				() => {
					const signed = zendeskRequest(body);
					return {
						...signed,
						headers: {
							...(signed.headers as Record<string, string>),
							"x-zendesk-webhook-signature-timestamp": at(-5),
						},
					};
				},
			],
		];
		it.each(cases)("%s", async (_name, init) => {
			const { app, metrics, logs } = testApp(testDb.db, { env: ENV });
			const res = await app.request("/webhooks/zendesk", init());
			expect(res.status).toBe(401);
			expect(await res.json()).toMatchObject({ error: "invalid_signature" });
			expect(await rows(testDb)).toHaveLength(0);
			expect((await metrics.signatureFailures.get()).values).toEqual([
				{ labels: { source: "zendesk" }, value: 1 },
			]);
			expect(logs().filter((line) => line.step === "verify")).toEqual([
				expect.objectContaining({
					level: "warn",
					source: "zendesk",
					outcome: expect.any(String),
				}),
			]);
		});
	});

	it("accepts either secret during a rotation, and refuses a retired one", async () => {
		const rotated = "zendesk-rotated-secret-0987654321";
		const { app } = testApp(testDb.db, {
			env: { ZENDESK_WEBHOOK_SECRET: `${rotated},${SECRET}` },
		});
		const ok1 = await app.request(
			"/webhooks/zendesk",
			zendeskRequest(triggerBody({ updated_at: "r1" }), { secret: rotated }),
		);
		const ok2 = await app.request(
			"/webhooks/zendesk",
			zendeskRequest(triggerBody({ updated_at: "r2" })),
		);
		const retired = await app.request(
			"/webhooks/zendesk",
			zendeskRequest(triggerBody({ updated_at: "r3" }), {
				secret: "zendesk-retired-secret-000000",
			}),
		);
		expect([ok1.status, ok2.status, retired.status]).toEqual([200, 200, 401]);
		expect(await rows(testDb)).toHaveLength(2);
	});

	it("accepts timestamps just inside the window on both sides", async () => {
		const { app } = testApp(testDb.db, { env: ENV });
		for (const [offset, updated] of [
			[-290, "a"],
			[290, "b"],
		] as const) {
			const res = await app.request(
				"/webhooks/zendesk",
				zendeskRequest(triggerBody({ updated_at: updated }), {
					timestamp: new Date(Date.now() + offset * 1000).toISOString(),
				}),
			);
			expect(res.status).toBe(200);
		}
		expect(await rows(testDb)).toHaveLength(2);
	});

	it.each([
		["not JSON", "{nope", 400, "invalid_json"],
		[
			"not a status change",
			JSON.stringify({ hello: "world" }),
			400,
			"validation_failed",
		],
		[
			"a ticket id that is not a number",
			triggerBody({ ticket_id: "../1" }),
			400,
			"validation_failed",
		],
	])(
		"answers %s with a 400, storing nothing",
		async (_name, body, status, code) => {
			const { app } = testApp(testDb.db, { env: ENV });
			const res = await app.request("/webhooks/zendesk", zendeskRequest(body));
			expect(res.status).toBe(status);
			expect(await res.json()).toMatchObject({ error: code });
			expect(await rows(testDb)).toHaveLength(0);
		},
	);

	it("answers 415 to a signed body that is not JSON content, 413 to an oversized one, 503 without a secret", async () => {
		const { app } = testApp(testDb.db, { env: ENV });
		expect(
			(
				await app.request(
					"/webhooks/zendesk",
					zendeskRequest(triggerBody(), { contentType: "text/plain" }),
				)
			).status,
		).toBe(415);
		const huge = JSON.stringify({
			ticket_id: "1",
			status: "solved",
			pad: "x".repeat(300 * 1024),
		});
		const big = await app.request("/webhooks/zendesk", zendeskRequest(huge));
		expect(big.status).toBe(413);
		const unset = testApp(testDb.db);
		const res = await unset.app.request(
			"/webhooks/zendesk",
			zendeskRequest(triggerBody()),
		);
		expect(res.status).toBe(503);
		expect(await res.json()).toMatchObject({
			error: "service_unavailable",
			message: expect.stringMatching(/ZENDESK_WEBHOOK_SECRET/),
		});
		expect(await rows(testDb)).toHaveLength(0);
	});
});
