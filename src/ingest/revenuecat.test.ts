import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.ts";
import { CONTRACTS_DIR } from "../../test/support/contracts.ts";
import {
	type Backend,
	backends,
	type TestDb,
	useFreshDb,
} from "../../test/support/db.ts";

const CURRENT = "Bearer rc-current-0123456789abcdef";
const PREVIOUS = "Bearer rc-previous-0123456789abcdef";
const ENV = { REVENUECAT_WEBHOOK_AUTH: `${CURRENT},${PREVIOUS}` };

const sampleText = (file: string) =>
	readFileSync(`${CONTRACTS_DIR}revenuecat/sample-events/${file}`, "utf8");

function post(
	body: string,
	authorization: string | null = CURRENT,
	contentType = "application/json",
): RequestInit {
	const headers: Record<string, string> = { "content-type": contentType };
	if (authorization !== null) headers.authorization = authorization;
	return { method: "POST", headers, body };
}

async function events(testDb: TestDb) {
	return testDb.db.query<{
		type: string;
		source: string;
		external_id: string;
		data: { provider: Record<string, unknown> };
	}>(
		"select type, source, external_id, data from plumb.events order by received_at",
	);
}

describe.each(backends)(
	"POST /webhooks/revenuecat on %s",
	(backend: Backend) => {
		const testDb = useFreshDb(backend);

		it("stores RevenueCat's sample purchase once by its event id, with either rotation value", async () => {
			const { app, metrics } = testApp(testDb.db, { env: ENV });
			const body = sampleText("01-INITIAL_PURCHASE.json");
			const first = await app.request("/webhooks/revenuecat", post(body));
			expect(first.status).toBe(200);
			const stored = (await first.json()) as { event_id: string };
			expect(stored).toMatchObject({ received: true, duplicate: false });
			const retry = await app.request(
				"/webhooks/revenuecat",
				post(body, PREVIOUS),
			);
			expect(await retry.json()).toEqual({
				received: true,
				duplicate: true,
				event_id: stored.event_id,
			});
			expect(await events(testDb)).toEqual([
				{
					type: "payment_succeeded",
					source: "revenuecat",
					external_id: "12345678-1234-1234-1234-123456789012",
					data: expect.objectContaining({
						provider: expect.objectContaining({
							store: "APP_STORE",
							environment: "PRODUCTION",
						}),
					}),
				},
			]);
			expect((await metrics.duplicatesSuppressed.get()).values[0]?.value).toBe(
				1,
			);
		});

		it("refuses a missing, wrong or merely similar Authorization with 401 and stores nothing", async () => {
			const { app, rawLogs } = testApp(testDb.db, { env: ENV });
			const body = sampleText("01-INITIAL_PURCHASE.json");
			for (const authorization of [
				null,
				"",
				"Bearer wrong-0123456789abcdef",
				CURRENT.replace("Bearer ", ""),
				`${CURRENT}x`,
				CURRENT.toLowerCase(),
			]) {
				const res = await app.request(
					"/webhooks/revenuecat",
					post(body, authorization),
				);
				expect(res.status).toBe(401);
				expect(await res.json()).toMatchObject({ error: "unauthorized" });
			}
			expect(await events(testDb)).toEqual([]);
			expect(rawLogs()).not.toContain("rc-current-0123456789abcdef");
		});

		it("answers 503 while REVENUECAT_WEBHOOK_AUTH is unset, so RevenueCat retries", async () => {
			const { app } = testApp(testDb.db);
			const res = await app.request(
				"/webhooks/revenuecat",
				post(sampleText("01-INITIAL_PURCHASE.json")),
			);
			expect(res.status).toBe(503);
			expect(await events(testDb)).toEqual([]);
		});

		it("acknowledges a TEST event without storing it, and stores unknown types as ignored", async () => {
			const { app } = testApp(testDb.db, { env: ENV });
			const test = await app.request(
				"/webhooks/revenuecat",
				post(
					JSON.stringify({
						api_version: "1.0",
						event: {
							id: "test-1",
							type: "TEST",
							event_timestamp_ms: 1700000000000,
						},
					}),
				),
			);
			expect(test.status).toBe(200);
			expect(await test.json()).toEqual({ received: true, test: true });
			const unknown = await app.request(
				"/webhooks/revenuecat",
				post(
					JSON.stringify({
						api_version: "1.0",
						event: {
							id: "future-1",
							type: "SOMETHING_NEW",
							event_timestamp_ms: 1700000000000,
							app_user_id: "user-1",
						},
					}),
				),
			);
			expect(unknown.status).toBe(200);
			const rows = await events(testDb);
			expect(rows).toHaveLength(1);
			expect(rows[0]).toMatchObject({
				type: "ignored",
				external_id: "future-1",
				data: {
					provider: {
						ignored_reason:
							"Plumb does not act on RevenueCat SOMETHING_NEW events",
					},
				},
			});
		});

		it("refuses malformed bodies with 400 or 415 and stores nothing", async () => {
			const { app } = testApp(testDb.db, { env: ENV });
			const cases: Array<[string, string, number]> = [
				["{not json", "application/json", 400],
				["[]", "application/json", 400],
				[
					JSON.stringify({ event: { type: "RENEWAL" } }),
					"application/json",
					400,
				],
				[
					JSON.stringify({
						event: { id: "x", type: "RENEWAL", event_timestamp_ms: "soon" },
					}),
					"application/json",
					400,
				],
				[
					JSON.stringify({
						event: { id: "x", type: "RENEWAL", event_timestamp_ms: 1e20 },
					}),
					"application/json",
					400,
				],
				[sampleText("02-RENEWAL.json"), "text/plain", 415],
			];
			for (const [body, type, status] of cases) {
				const res = await app.request(
					"/webhooks/revenuecat",
					post(body, CURRENT, type),
				);
				expect(res.status, body).toBe(status);
			}
			expect(await events(testDb)).toEqual([]);
		});
	},
);
