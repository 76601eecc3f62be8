import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import {
	authUserInsert,
	bearer,
	countRows,
	hs256Token,
	intentEnv,
	intentRequest,
	TEST_API_KEY,
	TEST_SUPABASE_WEBHOOK_SECRET,
	userClaims,
} from "../../test/support/intents.ts";
import { INTENT_TYPES, intentBodySchema } from "./intent-schemas.ts";

const USER = "99999999-9999-4999-8999-999999999999";
const RUNS = 120;

/** Text that hurts: any UTF-16 (lone surrogates too), control characters, or very long. */
const nastyText = fc.oneof(
	fc.string({ unit: "binary", maxLength: 40 }),
	fc.string({ unit: "grapheme", maxLength: 40 }),
	fc.constantFrom(
		"",
		" ",
		"\u0000",
		"\ud800",
		"a@b",
		"javascript:x",
		"x".repeat(20_000),
	),
	fc.emailAddress(),
	fc.webUrl(),
);
const anyValue = fc.oneof(
	nastyText,
	fc.jsonValue({ maxDepth: 4 }),
	fc.constant(undefined),
);
const FIELDS = [
	"email",
	"name",
	"phone",
	"company",
	"source",
	"referrer",
	"utm",
	"message",
	"subject",
	"category",
	"attachments",
	"session_id",
	"plan",
	"__proto__",
];

const VALID = [
	{
		type: "signup",
		data: { email: "fuzz@example.com", utm: { source: "ads" } },
	},
	{
		type: "lead_captured",
		data: { email: "lead@example.com", company: "Acme" },
	},
	{
		type: "chat_started",
		data: { session_id: "s-1" },
		customer: { email: "c@example.com" },
	},
	{
		type: "support_requested",
		data: { message: "charged twice" },
		customer: { email: "c@example.com" },
	},
];

/** A valid body with one field of `data` replaced by anything (often still valid: the invariant must hold both ways). */
const mutated = fc
	.tuple(fc.constantFrom(...VALID), fc.constantFrom(...FIELDS), anyValue)
	.map(([body, field, value]) => ({
		...body,
		data: { ...body.data, [field]: value },
	}));

/** Bodies close to valid ones, wrong in random places, and bodies that are nothing like them. */
const intentBody = fc.oneof(
	fc.constantFrom(...VALID),
	mutated,
	fc.record(
		{
			type: fc.oneof(fc.constantFrom(...INTENT_TYPES), nastyText),
			data: fc.oneof(
				fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 5 }),
				anyValue,
			),
			customer: fc.oneof(
				fc.record(
					{ email: fc.oneof(fc.emailAddress(), nastyText), user_id: anyValue },
					{ requiredKeys: ["email"] },
				),
				anyValue,
			),
		},
		{ requiredKeys: ["type"] },
	),
	fc.jsonValue({ maxDepth: 6 }),
	fc.anything({ maxDepth: 3 }),
);

const rawBody = fc.oneof(
	intentBody.map((body) => JSON.stringify(body) ?? ""),
	fc.string({ unit: "binary", maxLength: 200 }),
	fc
		.integer({ min: 1, max: 40 })
		.map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
);

describe.each(backends)(
	"fuzzing every intent route on %s: never 5xx, nothing stored from invalid input",
	(backend: Backend) => {
		let testDb: TestDb;
		let app: ReturnType<typeof testApp>["app"];
		let user: string;
		beforeAll(async () => {
			testDb = await freshDb(backend);
			({ app } = testApp(testDb.db, {
				env: intentEnv({
					PLUMB_INTENT_RATE_PER_MINUTE: "1000000",
					PLUMB_INTENT_KEY_RATE_PER_MINUTE: "1000000",
				}),
			}));
			user = await hs256Token(userClaims(USER, "fuzz@example.com"));
		});
		afterAll(async () => {
			await testDb.dispose();
		});

		it("POST /v1/events", async () => {
			const seen = new Set<number>();
			await fc.assert(
				fc.asyncProperty(
					rawBody,
					fc.boolean(),
					fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
					async (raw, asUser, key) => {
						const before = await countRows(testDb.db, "events");
						const init = intentRequest(undefined, {
							raw,
							token: asUser ? user : TEST_API_KEY,
						});
						if (key !== undefined)
							(init.headers as Record<string, string>)["idempotency-key"] =
								encodeURIComponent(key) || "k";
						const res = await app.request("/v1/events", init);
						seen.add(res.status);
						expect(res.status).toBeLessThan(500);
						const after = await countRows(testDb.db, "events");
						if (res.status === 202) {
							// Accepted means valid: the body parses, and at most one event was added.
							expect(intentBodySchema.safeParse(JSON.parse(raw)).success).toBe(
								true,
							);
							expect(after - before).toBeLessThanOrEqual(1);
						} else {
							expect(after).toBe(before);
							const answer = (await res.json()) as {
								error: unknown;
								message: unknown;
							};
							expect(typeof answer.error).toBe("string");
							expect(typeof answer.message).toBe("string");
						}
					},
				),
				{ numRuns: RUNS },
			);
			// The run reached both sides of the invariant, not only the 400 path.
			expect(seen).toContain(202);
			expect(seen).toContain(400);
		});

		it("GET /v1/requests/:id", async () => {
			await fc.assert(
				fc.asyncProperty(
					fc.oneof(fc.string({ unit: "binary", maxLength: 80 }), fc.uuid()),
					async (id) => {
						const res = await app.request(
							`/v1/requests/${encodeURIComponent(id)}`,
							bearer(user),
						);
						expect(res.status).toBeLessThan(500);
						expect([404, 200]).toContain(res.status);
					},
				),
				{ numRuns: RUNS },
			);
		});

		it("POST /webhooks/supabase", async () => {
			const payload = fc.oneof(
				fc.record({
					type: fc.oneof(
						fc.constantFrom("INSERT", "UPDATE", "DELETE"),
						nastyText,
					),
					table: fc.oneof(fc.constant("users"), nastyText),
					schema: fc.oneof(fc.constant("auth"), nastyText),
					record: fc.oneof(
						fc.uuid().chain((id) =>
							fc
								.record({
									email: anyValue,
									phone: anyValue,
									created_at: anyValue,
									raw_user_meta_data: anyValue,
								})
								.map(
									(extra) => authUserInsert(id, "x@example.com", extra).record,
								),
						),
						anyValue,
					),
					old_record: anyValue,
				}),
				fc.jsonValue({ maxDepth: 5 }),
			);
			await fc.assert(
				fc.asyncProperty(
					fc.oneof(
						payload.map((p) => JSON.stringify(p) ?? ""),
						fc.string({ unit: "binary", maxLength: 100 }),
					),
					async (raw) => {
						const before = await countRows(testDb.db, "events");
						const res = await app.request("/webhooks/supabase", {
							method: "POST",
							headers: {
								"content-type": "application/json",
								authorization: `Bearer ${TEST_SUPABASE_WEBHOOK_SECRET}`,
							},
							body: raw,
						});
						expect(res.status).toBeLessThan(500);
						const after = await countRows(testDb.db, "events");
						const answer = (await res.json()) as { duplicate?: boolean };
						if (res.status === 200 && answer.duplicate === false)
							expect(after).toBe(before + 1);
						else expect(after).toBe(before);
					},
				),
				{ numRuns: RUNS },
			);
		});
	},
);
