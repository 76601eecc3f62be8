import { afterEach, describe, expect, it } from "vitest";
import { openPg } from "../../src/store/index.ts";
import { type Backend, backends, freshDb, type TestDb } from "../support/db.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { stripeFixture, stripeRequest } from "../support/stripe.ts";
import { startTcpProxy } from "../support/tcp-proxy.ts";

async function countEvents(testDb: TestDb): Promise<number> {
	const [row] = await testDb.db.query<{ n: number }>(
		"select count(*)::int as n from plumb.events",
	);
	return row?.n ?? -1;
}

describe.each(backends)(
	"Stripe webhooks over loopback HTTP on %s",
	(backend: Backend) => {
		let testDb: TestDb;
		let server: TestServer | undefined;
		afterEach(async () => {
			await server?.stop(100);
			server = undefined;
			await testDb.dispose();
		});

		it("stores 50 identical deliveries in flight at once exactly once, answering each 200 with one event id", async () => {
			testDb = await freshDb(backend);
			server = await startTestServer(testDb.db);
			const init = stripeRequest(stripeFixture("payment_intent.succeeded"));
			const responses = await Promise.all(
				Array.from({ length: 50 }, () =>
					fetch(`${server?.url}/webhooks/stripe`, init),
				),
			);
			const bodies = (await Promise.all(
				responses.map((r) => r.json()),
			)) as Array<{ event_id: string; duplicate: boolean }>;
			expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
			expect(new Set(bodies.map((b) => b.event_id)).size).toBe(1);
			expect(bodies.filter((b) => !b.duplicate)).toHaveLength(1);
			expect(await countEvents(testDb)).toBe(1);
		});

		it("refuses bodies over 512 KiB with 413 on the Node fast path, declared or streamed, storing nothing", async () => {
			testDb = await freshDb(backend);
			server = await startTestServer(testDb.db);
			const big = `{"id":"evt_big","pad":"${"x".repeat(513 * 1024)}"}`;
			const declared = await fetch(
				`${server.url}/webhooks/stripe`,
				stripeRequest(big),
			);
			expect(declared.status).toBe(413);
			// Chunked, no Content-Length: the count decides, mid-stream.
			const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
			let sent = 0;
			const body = new ReadableStream<Uint8Array>({
				pull(controller) {
					if (sent >= 10) return controller.close();
					sent += 1;
					controller.enqueue(chunk);
				},
			});
			const streamed = await fetch(`${server.url}/webhooks/stripe`, {
				...stripeRequest(big),
				body,
				duplex: "half",
			} as RequestInit);
			expect(streamed.status).toBe(413);
			expect(await streamed.json()).toMatchObject({
				error: "payload_too_large",
			});
			expect(await countEvents(testDb)).toBe(0);
			// The server is still healthy afterwards.
			expect(
				(
					await fetch(
						`${server.url}/webhooks/stripe`,
						stripeRequest(stripeFixture("invoice.paid")),
					)
				).status,
			).toBe(200);
		});

		it("carries x-request-id on every response, honouring a sane incoming one", async () => {
			testDb = await freshDb(backend);
			server = await startTestServer(testDb.db);
			const own = await fetch(`${server.url}/healthz`, {
				headers: { "x-request-id": "trace-abc.123" },
			});
			expect(own.headers.get("x-request-id")).toBe("trace-abc.123");
			const hostile = await fetch(`${server.url}/nope`, {
				headers: { "x-request-id": "<script>" },
			});
			expect(hostile.status).toBe(404);
			expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
			expect(await hostile.json()).toMatchObject({ error: "not_found" });
			// Thrown errors, refusals, HTML pages and metrics carry one too.
			for (const [path, init, status] of [
				["/webhooks/stripe", { method: "POST", body: "{}" }, 415],
				["/admin/api/events", {}, 401],
				["/admin/login", {}, 200],
				["/metrics", {}, 200],
			] as const) {
				const res = await fetch(`${server.url}${path}`, init);
				expect(res.status, path).toBe(status);
				expect(res.headers.get("x-request-id"), path).toMatch(
					/^[0-9a-f-]{36}$/,
				);
				await res.arrayBuffer();
			}
		});

		it("finishes a request in flight on shutdown, then stops accepting", async () => {
			testDb = await freshDb(backend);
			server = await startTestServer(testDb.db);
			const url = server.url;
			// A slow client: headers now, body later, so the request is in flight when stop() begins.
			const payload = stripeFixture("invoice.paid");
			const init = stripeRequest(payload);
			let release: () => void = () => {};
			const gate = new Promise<void>((resolve) => {
				release = resolve;
			});
			const body = new ReadableStream<Uint8Array>({
				async start(controller) {
					controller.enqueue(new TextEncoder().encode(payload.slice(0, 10)));
					await gate;
					controller.enqueue(new TextEncoder().encode(payload.slice(10)));
					controller.close();
				},
			});
			const inFlight = fetch(`${url}/webhooks/stripe`, {
				...init,
				body,
				duplex: "half",
			} as RequestInit);
			await new Promise((resolve) => setTimeout(resolve, 100));
			const stopping = server.stop(5_000);
			server = undefined;
			release();
			const res = await inFlight;
			expect(res.status).toBe(200);
			await stopping;
			await expect(fetch(`${url}/healthz`)).rejects.toThrow();
			expect(await countEvents(testDb)).toBe(1);
		});
	},
);

describe.runIf(backends.includes("pg"))(
	"durability on the real PostgreSQL",
	() => {
		it("answers 5xx while the database is unreachable, and stores the same delivery once it is back", async () => {
			const testDb = await freshDb("pg");
			const target = new URL(testDb.url ?? "");
			const proxy = await startTcpProxy({
				host: target.hostname,
				port: Number(target.port || 5432),
			});
			const viaProxy = new URL(target);
			viaProxy.port = String(proxy.port);
			const db = openPg({
				connectionString: viaProxy.toString(),
				max: 2,
				connectionTimeoutMillis: 1_000,
			});
			const server = await startTestServer(db);
			try {
				const init = stripeRequest(stripeFixture("charge.dispute.created"));
				expect(
					(await fetch(`${server.url}/webhooks/stripe`, init)).status,
				).toBe(200);
				// The vendor fixtures share one event id; give the second delivery its own.
				const second = stripeRequest(
					stripeFixture("charge.refunded").replace(
						"evt_000000000000000000000000",
						"evt_refund_1",
					),
				);
				await proxy.cut();
				for (let attempt = 0; attempt < 3; attempt++) {
					const res = await fetch(`${server.url}/webhooks/stripe`, second);
					expect(res.status).toBeGreaterThanOrEqual(500);
					const body = (await res.json()) as { error: string; message: string };
					expect(body.error).toBe("database_unavailable");
					expect(body.message).not.toMatch(/127\.0\.0\.1|postgres|ECONN/);
				}
				const ready = await fetch(`${server.url}/readyz`);
				expect(ready.status).toBe(503);
				await proxy.restore();
				const retried = await fetch(`${server.url}/webhooks/stripe`, second);
				expect(retried.status).toBe(200);
				expect(await retried.json()).toMatchObject({ duplicate: false });
				expect(await countEvents(testDb)).toBe(2);
			} finally {
				await server.stop(100);
				await db.close();
				await proxy.close();
				await testDb.dispose();
			}
		});
	},
);
