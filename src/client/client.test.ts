import { readdirSync, readFileSync } from "node:fs";
import {
	afterEach,
	beforeEach,
	describe,
	expect,
	expectTypeOf,
	it,
} from "vitest";
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
	TEST_API_KEY,
	userClaims,
} from "../../test/support/intents.ts";
import { startTestServer, type TestServer } from "../../test/support/server.ts";
import type { IntentBody, IntentBodyInput } from "../ingest/index.ts";
import { createPlumbClient, type Intent, randomKey } from "./index.ts";

const USER = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const SUPPORT: Intent = {
	type: "support_requested",
	data: { message: "I was charged twice", category: "bug" },
};

describe("the client's types", () => {
	it("match the server's schemas both ways", () => {
		expectTypeOf<Intent>().toExtend<IntentBodyInput>();
		expectTypeOf<IntentBody>().toExtend<Intent>();
	});

	it("use no Node APIs and import nothing outside the client", () => {
		const dir = new URL("./", import.meta.url);
		for (const file of readdirSync(dir).filter(
			(f) => f.endsWith(".ts") && !f.endsWith(".test.ts"),
		)) {
			const source = readFileSync(new URL(file, dir), "utf8");
			expect(source, file).not.toMatch(/from\s+"(?!\.\/)/);
			expect(source, file).not.toMatch(
				/\b(process|Buffer|require|__dirname)\b/,
			);
		}
	});

	it("makes UUIDv4 keys without crypto.randomUUID too", () => {
		expect(randomKey()).toMatch(
			/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
		);
		const saved = globalThis.crypto;
		Object.defineProperty(globalThis, "crypto", {
			value: undefined,
			configurable: true,
		});
		try {
			expect(randomKey()).toMatch(
				/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab]/,
			);
		} finally {
			Object.defineProperty(globalThis, "crypto", {
				value: saved,
				configurable: true,
			});
		}
	});
});

describe.each(backends)(
	"@plumb-dev/plumb/client against a loopback server on %s",
	(backend: Backend) => {
		let testDb: TestDb;
		let server: TestServer;
		let token: string;
		const sleeps: number[] = [];
		const sleep = async (ms: number) => {
			sleeps.push(ms);
		};
		beforeEach(async () => {
			testDb = await freshDb(backend);
			server = await startTestServer(
				testDb.db,
				intentEnv({ PLUMB_INTENT_RATE_PER_MINUTE: "2" }),
			);
			token = await hs256Token(userClaims(USER, "client@example.com"));
			sleeps.length = 0;
		});
		afterEach(async () => {
			await server.stop(100);
			await testDb.dispose();
		});

		it("submits an intent with an automatic Idempotency-Key and reads its status", async () => {
			const keys: Array<string | null> = [];
			const client = createPlumbClient({
				baseUrl: `${server.url}/`,
				token: async () => token,
				fetch: (input, init) => {
					keys.push(new Headers(init?.headers).get("idempotency-key"));
					return fetch(input, init);
				},
			});
			const accepted = await client.submitIntent(SUPPORT);
			expect(accepted).toEqual({
				ok: true,
				value: {
					id: expect.any(String),
					status: "received",
					status_url: expect.any(String),
				},
			});
			if (!accepted.ok) return;
			expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
			const state = await client.getStatus(accepted.value.id);
			expect(state).toMatchObject({
				ok: true,
				value: { status: "received", type: "support_requested" },
			});
			const refused = await client.submitIntent({
				type: "signup",
				data: { email: "someone-else@example.com" },
			});
			expect(refused).toMatchObject({
				ok: false,
				error: { kind: "http", status: 403, code: "forbidden" },
			});
		});

		it("retries a network failure with the same key, even when the first try was stored: one event", async () => {
			const keys: Array<string | null> = [];
			let calls = 0;
			const client = createPlumbClient({
				baseUrl: server.url,
				token: TEST_API_KEY,
				sleep,
				fetch: async (input, init) => {
					calls += 1;
					keys.push(new Headers(init?.headers).get("idempotency-key"));
					if (calls === 1) throw new TypeError("Network request failed");
					const res = await fetch(input, init);
					// Stored, then the answer was lost (airplane mode at the wrong moment).
					if (calls === 2) throw new TypeError("Network request failed");
					return res;
				},
			});
			const result = await client.submitIntent({
				...SUPPORT,
				customer: { email: "c@example.com" },
			});
			expect(result.ok).toBe(true);
			expect(calls).toBe(3);
			expect(new Set(keys).size).toBe(1);
			expect(sleeps).toHaveLength(2);
			expect(await countRows(testDb.db, "events")).toBe(1);
		});

		it("retries a 5xx honouring Retry-After, gives up after `retries`, and never retries a 4xx", async () => {
			let calls = 0;
			const flaky = createPlumbClient({
				baseUrl: server.url,
				token,
				sleep,
				retries: 2,
				fetch: async (input, init) => {
					calls += 1;
					if (calls === 1)
						return new Response("<html>bad gateway</html>", {
							status: 502,
							headers: { "retry-after": "3" },
						});
					return fetch(input, init);
				},
			});
			expect((await flaky.submitIntent(SUPPORT)).ok).toBe(true);
			expect(sleeps).toEqual([3000]);

			const down = createPlumbClient({
				baseUrl: server.url,
				token,
				sleep,
				retries: 2,
				random: () => 1,
				fetch: async () => new Response("nope", { status: 503 }),
			});
			expect(await down.submitIntent(SUPPORT)).toMatchObject({
				ok: false,
				error: { kind: "http", status: 503, code: "http_503" },
			});
			expect(sleeps).toEqual([3000, 500, 1000]);

			sleeps.length = 0;
			const invalid = await createPlumbClient({
				baseUrl: server.url,
				token,
				sleep,
			}).submitIntent({
				type: "chat_started",
				data: { session_id: "has spaces" },
			});
			expect(invalid).toMatchObject({
				ok: false,
				error: {
					status: 400,
					code: "validation_failed",
					details: [{ field: "data.session_id" }],
				},
			});
			expect(sleeps).toEqual([]);
		});

		it("waits out a real 429 for as long as Retry-After says", async () => {
			const client = createPlumbClient({
				baseUrl: server.url,
				token,
				sleep,
				retries: 1,
			});
			expect((await client.submitIntent(SUPPORT)).ok).toBe(true);
			expect((await client.submitIntent(SUPPORT)).ok).toBe(true);
			const limited = await client.submitIntent(SUPPORT);
			expect(limited).toMatchObject({
				ok: false,
				error: { status: 429, code: "rate_limited" },
			});
			expect(sleeps).toEqual([30_000]);
		});

		it("waitForStatus polls until the status is reached, or reports a timeout with the last status", async () => {
			const client = createPlumbClient({ baseUrl: server.url, token });
			const accepted = await client.submitIntent(SUPPORT);
			if (!accepted.ok) throw new Error("not accepted");
			const id = accepted.value.id;
			const early = await client.waitForStatus(id, {
				timeoutMs: 60,
				intervalMs: 20,
			});
			expect(early).toMatchObject({
				ok: false,
				error: { kind: "timeout", last: { status: "received" } },
			});
			setTimeout(() => {
				void testDb.db.query(
					"update plumb.events set status = 'processed' where id = $1",
					[id],
				);
			}, 50);
			const done = await client.waitForStatus(id, {
				timeoutMs: 5_000,
				intervalMs: 20,
			});
			expect(done).toMatchObject({
				ok: true,
				value: {
					status: "done",
					message: "Ticket filed — our team will answer by e-mail",
				},
			});
			const other = createPlumbClient({
				baseUrl: server.url,
				token: TEST_API_KEY,
			});
			expect(await other.waitForStatus(id)).toMatchObject({
				ok: false,
				error: { status: 404 },
			});
		});

		it("stops when the caller aborts", async () => {
			const controller = new AbortController();
			controller.abort();
			const client = createPlumbClient({ baseUrl: server.url, token });
			expect(
				await client.submitIntent(SUPPORT, { signal: controller.signal }),
			).toMatchObject({
				ok: false,
				error: { kind: "aborted" },
			});
			expect(await countRows(testDb.db, "events")).toBe(0);
		});
	},
);
