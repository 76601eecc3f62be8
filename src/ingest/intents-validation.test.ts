import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
	userClaims,
} from "../../test/support/intents.ts";
import { INTENT_LIMITS } from "./intent-schemas.ts";

const USER = "33333333-3333-4333-8333-333333333333";

/** Bodies an end user might send, each wrong in one way, with the field the 400 must name. */
const INVALID: Array<[string, unknown, string]> = [
	[
		"an unknown field",
		{ type: "signup", data: { email: "u@example.com", plan: "pro" } },
		"data.plan",
	],
	[
		"an unknown top-level field",
		{ type: "signup", data: { email: "u@example.com" }, admin: true },
		"admin",
	],
	["an unknown type", { type: "refund_issued", data: {} }, "type"],
	["no type", { data: { email: "u@example.com" } }, "type"],
	["an empty e-mail", { type: "signup", data: { email: "  " } }, "data.email"],
	[
		"an invalid e-mail",
		{ type: "signup", data: { email: "not-an-email" } },
		"data.email",
	],
	[
		"an e-mail of the wrong type",
		{ type: "signup", data: { email: 42 } },
		"data.email",
	],
	[
		"an oversized name",
		{
			type: "signup",
			data: {
				email: "u@example.com",
				name: "x".repeat(INTENT_LIMITS.name + 1),
			},
		},
		"data.name",
	],
	[
		"an oversized message",
		{
			type: "support_requested",
			data: { message: "m".repeat(INTENT_LIMITS.message + 1) },
		},
		"data.message",
	],
	[
		"an empty message",
		{ type: "support_requested", data: { message: "" } },
		"data.message",
	],
	[
		"a javascript: attachment",
		{
			type: "support_requested",
			data: { message: "hi", attachments: ["javascript:alert(1)"] },
		},
		"data.attachments.0",
	],
	[
		"a file: attachment",
		{
			type: "support_requested",
			data: { message: "hi", attachments: ["file:///etc/passwd"] },
		},
		"data.attachments.0",
	],
	[
		"too many attachments",
		{
			type: "support_requested",
			data: {
				message: "hi",
				attachments: Array(11).fill("https://x.example/a"),
			},
		},
		"data.attachments",
	],
	[
		"a dispute category from a client",
		{ type: "support_requested", data: { message: "hi", category: "dispute" } },
		"data.category",
	],
	[
		"a UTM string",
		{ type: "signup", data: { email: "u@example.com", utm: "google" } },
		"data.utm",
	],
	[
		"a UTM with an unknown key",
		{
			type: "signup",
			data: { email: "u@example.com", utm: { source: "x", gclid: "y" } },
		},
		"data.utm.gclid",
	],
	[
		"a UTM nested object",
		{
			type: "signup",
			data: { email: "u@example.com", utm: { source: { a: 1 } } },
		},
		"data.utm.source",
	],
	[
		"a NUL character",
		{ type: "support_requested", data: { message: "a\u0000b" } },
		"data.message",
	],
	[
		"a lone surrogate",
		{ type: "support_requested", data: { message: "a\ud800b" } },
		"data.message",
	],
	[
		"a session id with spaces",
		{ type: "chat_started", data: { session_id: "a b" } },
		"data.session_id",
	],
	[
		"a phone with letters",
		{ type: "signup", data: { email: "u@example.com", phone: "call me" } },
		"data.phone",
	],
	["an array body", [{ type: "signup" }], "(body)"],
	["null", null, "(body)"],
];

describe.each(backends)(
	"POST /v1/events refuses bad input on %s",
	(backend: Backend) => {
		let testDb: TestDb;
		let token: string;
		let app: ReturnType<typeof testApp>["app"];
		let metrics: ReturnType<typeof testApp>["metrics"];
		// One database for the whole matrix: every case must leave it empty, which is the assertion.
		beforeAll(async () => {
			testDb = await freshDb(backend);
			token = await hs256Token(userClaims(USER, "u@example.com"));
			({ app, metrics } = testApp(testDb.db, { env: intentEnv() }));
		});
		afterAll(async () => {
			expect(await countRows(testDb.db, "events")).toBe(0);
			expect(await countRows(testDb.db, "intents")).toBe(0);
			await testDb.dispose();
		});

		it.each(INVALID)(
			"400 for %s, naming the field",
			async (_name, body, field) => {
				const res = await app.request(
					"/v1/events",
					intentRequest(body, { token }),
				);
				expect(res.status).toBe(400);
				const answer = (await res.json()) as {
					error: string;
					message: string;
					details: Array<{ field: string; message: string }>;
				};
				expect(answer.error).toBe("validation_failed");
				expect(answer.details.map((d) => d.field)).toContain(field);
				expect(await countRows(testDb.db, "events")).toBe(0);
			},
		);

		it("never echoes the rejected value", async () => {
			const res = await app.request(
				"/v1/events",
				intentRequest(
					{ type: "signup", data: { email: "SECRET-VALUE-not-an-email" } },
					{ token },
				),
			);
			expect(await res.text()).not.toContain("SECRET-VALUE");
		});

		it("400 invalid_json for a malformed body", async () => {
			for (const raw of ["{", "", "{'type': 1}", "\u0000"]) {
				const res = await app.request(
					"/v1/events",
					intentRequest(undefined, { token, raw }),
				);
				expect(res.status).toBe(400);
				expect(((await res.json()) as { error: string }).error).toBe(
					"invalid_json",
				);
			}
		});

		it("400 for JSON nested deeper than 32 levels", async () => {
			const raw = `${"[".repeat(5000)}${"]".repeat(5000)}`;
			const res = await app.request(
				"/v1/events",
				intentRequest(undefined, { token, raw }),
			);
			expect(res.status).toBe(400);
		});

		it("415 for a body that is not application/json", async () => {
			const res = await app.request(
				"/v1/events",
				intentRequest(
					{ type: "chat_started", data: { session_id: "s" } },
					{ token, contentType: "text/plain" },
				),
			);
			expect(res.status).toBe(415);
		});

		it("413 for a body over 64 KiB, with or without Content-Length", async () => {
			const raw = JSON.stringify({
				type: "support_requested",
				data: { message: "x".repeat(70 * 1024) },
			});
			const res = await app.request(
				"/v1/events",
				intentRequest(undefined, { token, raw }),
			);
			expect(res.status).toBe(413);
			expect(((await res.json()) as { error: string }).error).toBe(
				"payload_too_large",
			);
			const chunked = new ReadableStream<Uint8Array>({
				start(controller) {
					for (let i = 0; i < 70; i++)
						controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
					controller.close();
				},
			});
			const streamed = await app.request("/v1/events", {
				method: "POST",
				headers: {
					"content-type": "application/json",
					authorization: `Bearer ${token}`,
				},
				body: chunked,
				duplex: "half",
			} as RequestInit);
			expect(streamed.status).toBe(413);
		});

		it("400 for a malformed Idempotency-Key", async () => {
			const res = await app.request(
				"/v1/events",
				intentRequest(
					{ type: "chat_started", data: { session_id: "s" } },
					{ token, idempotencyKey: "has spaces" },
				),
			);
			expect(res.status).toBe(400);
			expect(await res.json()).toMatchObject({
				details: [{ field: "Idempotency-Key" }],
			});
		});

		it("counts every refusal by reason", async () => {
			const counted = (await metrics.intentsRejected.get()).values;
			const reasons = Object.fromEntries(
				counted.map((v) => [v.labels.reason, v.value]),
			);
			expect(reasons).toMatchObject({
				validation_failed: expect.any(Number),
				invalid_json: expect.any(Number),
				unsupported_media_type: 1,
				payload_too_large: 2,
			});
		});
	},
);
