import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import {
	countRows,
	hs256Token,
	intentEnv,
	intentRequest,
	TEST_API_KEY,
	userClaims,
} from "../../test/support/intents.ts";

const ALICE = "44444444-4444-4444-8444-444444444444";
const BOB = "55555555-5555-4555-8555-555555555555";
const BUY = {
	type: "support_requested",
	data: { message: "Please upgrade me", category: "other" },
};

describe.each(backends)("Idempotency-Key on %s", (backend: Backend) => {
	let testDb: TestDb;
	let alice: string;
	beforeEach(async () => {
		testDb = await freshDb(backend);
		alice = await hs256Token(userClaims(ALICE, "alice@example.com"));
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it("gives a retry the first answer (same id, same 202), whatever the key order and spacing", async () => {
		const { app, metrics } = testApp(testDb.db, { env: intentEnv() });
		const first = await app.request(
			"/v1/events",
			intentRequest(BUY, { token: alice, idempotencyKey: "tap-1" }),
		);
		const reordered = `{ "data": {"category":"other", "message": "Please upgrade me"},  "type": "support_requested" }`;
		const second = await app.request(
			"/v1/events",
			intentRequest(undefined, {
				token: alice,
				idempotencyKey: "tap-1",
				raw: reordered,
			}),
		);
		expect(first.status).toBe(202);
		expect(second.status).toBe(202);
		expect(await second.json()).toEqual(await first.json());
		expect(first.headers.get("idempotent-replayed")).toBeNull();
		expect(second.headers.get("idempotent-replayed")).toBe("true");
		expect(await countRows(testDb.db, "events")).toBe(1);
		expect((await metrics.duplicatesSuppressed.get()).values).toEqual([
			{ labels: { source: "app" }, value: 1 },
		]);
	});

	it("422 for the same key with another body, storing nothing", async () => {
		const { app } = testApp(testDb.db, { env: intentEnv() });
		await app.request(
			"/v1/events",
			intentRequest(BUY, { token: alice, idempotencyKey: "tap-2" }),
		);
		const other = await app.request(
			"/v1/events",
			intentRequest(
				{ ...BUY, data: { message: "Please downgrade me" } },
				{ token: alice, idempotencyKey: "tap-2" },
			),
		);
		expect(other.status).toBe(422);
		expect(await other.json()).toMatchObject({
			error: "idempotency_key_reused",
		});
		expect(await countRows(testDb.db, "events")).toBe(1);
		expect(await countRows(testDb.db, "intents")).toBe(1);
	});

	it("scopes keys to the caller: two users and an API key using one key make three events", async () => {
		const bob = await hs256Token(userClaims(BOB, "bob@example.com"));
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const ids = new Set<string>();
		for (const [token, body] of [
			[alice, BUY],
			[bob, BUY],
			[TEST_API_KEY, { ...BUY, customer: { email: "alice@example.com" } }],
		] as const) {
			const res = await app.request(
				"/v1/events",
				intentRequest(body, { token, idempotencyKey: "same-key" }),
			);
			expect(res.status).toBe(202);
			ids.add(((await res.json()) as { id: string }).id);
		}
		expect(ids.size).toBe(3);
		const callers = await testDb.db.query<{
			caller: string;
			external_id: string;
		}>(
			"select i.caller, e.external_id from plumb.intents i join plumb.events e on e.id = i.event_id order by i.caller",
		);
		expect(callers.map((c) => c.caller)).toEqual([
			expect.stringMatching(/^key:[0-9a-f]{16}$/),
			`user:${ALICE}`,
			`user:${BOB}`,
		]);
		// The raw API key is stored nowhere.
		const dump = JSON.stringify(
			await testDb.db.query(
				"select * from plumb.intents join plumb.events on true",
			),
		);
		expect(dump).not.toContain(TEST_API_KEY);
	});

	it("keeps (user, key) pairs apart even when a sub contains a colon", async () => {
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const first = await hs256Token(userClaims("auth0|a:b", "ab@example.com"));
		const second = await hs256Token(userClaims("auth0|a", "a@example.com"));
		const one = await app.request(
			"/v1/events",
			intentRequest(BUY, { token: first, idempotencyKey: "c" }),
		);
		const two = await app.request(
			"/v1/events",
			intentRequest(BUY, { token: second, idempotencyKey: "b:c" }),
		);
		expect([one.status, two.status]).toEqual([202, 202]);
		expect(await countRows(testDb.db, "events")).toBe(2);
	});

	it("makes one event of 20 concurrent identical requests with one key, all answered with its id", async () => {
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const answers = await Promise.all(
			Array.from({ length: 20 }, () =>
				app.request(
					"/v1/events",
					intentRequest(BUY, { token: alice, idempotencyKey: "double-tap" }),
				),
			),
		);
		expect(answers.map((res) => res.status)).toEqual(Array(20).fill(202));
		const ids = new Set(
			await Promise.all(
				answers.map(async (res) => ((await res.json()) as { id: string }).id),
			),
		);
		expect(ids.size).toBe(1);
		expect(await countRows(testDb.db, "events")).toBe(1);
		expect(await countRows(testDb.db, "intents")).toBe(1);
	});

	it("stores each request without a key as its own event", async () => {
		const { app } = testApp(testDb.db, { env: intentEnv() });
		await app.request("/v1/events", intentRequest(BUY, { token: alice }));
		await app.request("/v1/events", intentRequest(BUY, { token: alice }));
		expect(await countRows(testDb.db, "events")).toBe(2);
	});
});
