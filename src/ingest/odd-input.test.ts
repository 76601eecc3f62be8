/**
 * Odd input to every ingest route (issue 12): a NUL, an unpaired surrogate or a number Postgres cannot
 * hold anywhere in a correctly signed body is a 400 naming the field and stores nothing; a date outside
 * what Postgres holds is read as "no date", as an unparseable one always was. Never a 5xx.
 */
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
	countRows,
	hs256Token,
	intentEnv,
	intentRequest,
	TEST_API_KEY,
	TEST_SUPABASE_WEBHOOK_SECRET,
	userClaims,
} from "../../test/support/intents.ts";
import { objects } from "../../test/support/state.ts";
import { envelope, stripeRequest } from "../../test/support/stripe.ts";
import {
	TEST_ZENDESK_SECRET,
	zendeskRequest,
} from "../../test/support/zendesk.ts";

const USER = "0b6f3c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";

interface Refusal {
	error: string;
	message: string;
	details?: Array<{ field: string }>;
}

function trigger(overrides: Record<string, unknown> = {}): string {
	return JSON.stringify({
		ticket_id: "35436",
		status: "Solved",
		external_id: "support:cus-1:billing_issue",
		updated_at: "2026-11-23T10:15:00Z",
		...overrides,
	});
}

function zendeskEvent(detail: Record<string, unknown> = {}, extra = {}) {
	return JSON.stringify({
		type: "zen:event-type:ticket.status_changed",
		id: "01J0000000000000000000000",
		time: "2026-11-23T10:15:00Z",
		detail: { id: "35436", status: "SOLVED", ...detail },
		event: { current: "SOLVED" },
		...extra,
	});
}

function checkout(extra: Record<string, unknown> = {}) {
	return {
		id: "cs_odd",
		object: "checkout.session",
		customer: "cus_odd",
		customer_details: { email: "odd@example.com", name: "Odd" },
		payment_status: "paid",
		mode: "payment",
		payment_intent: "pi_odd",
		amount_total: 2000,
		currency: "usd",
		metadata: { note: "fine" },
		...extra,
	};
}

describe.each(backends)("odd input to ingest on %s", (backend: Backend) => {
	let testDb: TestDb;
	let app: ReturnType<typeof testApp>["app"];
	let token: string;
	beforeAll(async () => {
		testDb = await freshDb(backend);
		app = testApp(testDb.db, {
			env: intentEnv({ ZENDESK_WEBHOOK_SECRET: TEST_ZENDESK_SECRET }),
		}).app;
		token = await hs256Token(userClaims(USER, "odd@example.com"));
	});
	afterAll(async () => {
		await testDb.dispose();
	});

	/** Posts, expects a 400 naming `field`, and checks nothing was stored. */
	async function expectRefused(
		path: string,
		init: RequestInit,
		field: string,
	): Promise<void> {
		const before = await countRows(testDb.db, "events");
		const res = await app.request(path, init);
		const body = (await res.json()) as Refusal;
		expect(res.status, JSON.stringify(body)).toBe(400);
		expect(body.error).toBe("validation_failed");
		expect(body.details?.map((d) => d.field)).toContain(field);
		expect(body.message).toContain(`\`${field}\``);
		expect(await countRows(testDb.db, "events")).toBe(before);
	}

	async function occurredAt(id: string): Promise<Date | undefined> {
		const [row] = await testDb.db.query<{ occurred_at: Date }>(
			"select occurred_at from plumb.events where id = $1",
			[id],
		);
		return row?.occurred_at;
	}

	describe("Zendesk", () => {
		it.each([
			["status", trigger({ status: "Solved\u0000" })],
			["updated_at", trigger({ updated_at: "2026-11-23T10:15:00Z\u0000" })],
			["ticket_id", trigger({ ticket_id: "35436\u0000" })],
			["external_id", trigger({ external_id: "support:\ud800" })],
			["status", trigger({ status: "\udc00Solved" })],
			["id", zendeskEvent({}, { id: "01J\u0000" })],
			["detail.status", zendeskEvent({ status: "SOLVED\u0000" })],
			["detail.external_id", zendeskEvent({ external_id: "\ud83d" })],
			["body", `{"ticket_id":"1","status":"Solved","\\u0000":1}`],
			["detail", zendeskEvent({ "x\u0000": "y" })],
		])("a NUL or an unpaired surrogate in %s is a 400", async (field, body) => {
			await expectRefused("/webhooks/zendesk", zendeskRequest(body), field);
		});

		it("keeps a surrogate pair (an emoji) as it came", async () => {
			const res = await app.request(
				"/webhooks/zendesk",
				zendeskRequest(trigger({ ticket_id: "1", external_id: "x😀" })),
			);
			expect(res.status).toBe(200);
		});

		it.each([
			"-271821-04-20T00:00:00Z",
			"-010000-01-01T00:00:00Z",
			"+275760-09-13T00:00:00Z",
		])(
			"reads updated_at %s, outside Postgres's range, as no date",
			async (updated_at) => {
				const sentAt = "2026-11-23T10:20:00.000Z";
				const at = Date.parse(sentAt);
				const local = testApp(testDb.db, {
					env: { ZENDESK_WEBHOOK_SECRET: TEST_ZENDESK_SECRET },
					now: () => at,
				}).app;
				const trig = await local.request(
					"/webhooks/zendesk",
					zendeskRequest(
						trigger({ ticket_id: "2", updated_at, status: `x${updated_at}` }),
						sentAt,
					),
				);
				expect(trig.status).toBe(200);
				const { event_id } = (await trig.json()) as { event_id: string };
				expect((await occurredAt(event_id))?.toISOString()).toBe(sentAt);
				const event = await local.request(
					"/webhooks/zendesk",
					zendeskRequest(
						zendeskEvent({}, { id: `ev-${updated_at}`, time: updated_at }),
						sentAt,
					),
				);
				expect(event.status).toBe(200);
			},
		);
	});

	describe("Stripe", () => {
		const post = (
			object: Record<string, unknown>,
			type = "checkout.session.completed",
		) => stripeRequest(envelope(type, object));

		it.each([
			[
				"data.object.metadata.note",
				checkout({ metadata: { note: "a\u0000b" } }),
			],
			[
				"data.object.customer_details.name",
				checkout({
					customer_details: { email: "o@example.com", name: "\ud800" },
				}),
			],
			["data.object.metadata", checkout({ metadata: { "k\u0000": "v" } })],
			["data.object.items.1", checkout({ items: ["ok", "\udfff"] })],
		])(
			"a NUL or an unpaired surrogate in %s is a 400",
			async (field, object) => {
				await expectRefused("/webhooks/stripe", post(object), field);
			},
		);

		it.each([
			["1e999999", "1e999999"],
			["-1e999999", "-1e999999"],
			["1e-999999", "1e-999999"],
			["0.5e-16383", "0.5e-16383"],
			["131,073 digits", `1${"0".repeat(131072)}`],
			["16,384 decimals", `0.${"0".repeat(16383)}1`],
		])(
			"a number jsonb cannot hold (%s) is a 400, nothing stored",
			async (_label, number) => {
				const payload = envelope(
					"checkout.session.completed",
					checkout(),
				).replace('"amount_total":2000', `"amount_total":${number}`);
				expect(payload).toContain(number);
				const before = await countRows(testDb.db, "events");
				const res = await app.request(
					"/webhooks/stripe",
					stripeRequest(payload),
				);
				expect(res.status).toBe(400);
				expect(((await res.json()) as Refusal).error).toBe("validation_failed");
				expect(await countRows(testDb.db, "events")).toBe(before);
			},
		);

		it("stores the largest numbers jsonb holds", async () => {
			for (const number of ["1e131071", "1.5e-16382", "-0", "1E+2"]) {
				const payload = envelope("ignored.type", checkout()).replace(
					'"amount_total":2000',
					`"amount_total":${number}`,
				);
				const res = await app.request(
					"/webhooks/stripe",
					stripeRequest(payload),
				);
				expect(res.status, number).toBe(200);
			}
		});

		it("refuses an event `created` beyond year 9999", async () => {
			for (const created of [1e13, 253402300800]) {
				const before = await countRows(testDb.db, "events");
				const res = await app.request(
					"/webhooks/stripe",
					stripeRequest(
						envelope("checkout.session.completed", checkout(), { created }),
					),
				);
				expect(res.status).toBe(400);
				expect(await countRows(testDb.db, "events")).toBe(before);
			}
		});

		it("reads a subscription's period end outside Postgres's range as unknown", async () => {
			for (const [n, end] of [
				[1, 9e15],
				[2, -9e15],
				[3, 253402300800],
				[4, -62135596801],
			] as const) {
				const res = await app.request(
					"/webhooks/stripe",
					post(
						objects.subscription("active", "price_pro", {
							id: `sub_odd_${n}`,
							current_period_end: end,
						}),
						"customer.subscription.updated",
					),
				);
				expect(res.status).toBe(200);
				const { event_id } = (await res.json()) as { event_id: string };
				const [row] = await testDb.db.query<{
					data: { subscription: Record<string, unknown> };
				}>("select data from plumb.events where id = $1", [event_id]);
				expect(row?.data.subscription.current_period_end).toBeUndefined();
			}
		});
	});

	describe("Supabase", () => {
		const hook = (body: unknown): RequestInit => ({
			method: "POST",
			headers: {
				"content-type": "application/json",
				authorization: `Bearer ${TEST_SUPABASE_WEBHOOK_SECRET}`,
			},
			body: JSON.stringify(body),
		});

		it.each([
			[
				"record.raw_user_meta_data.name",
				authUserInsert(USER, "a@example.com", {
					raw_user_meta_data: { name: "N\u0000ul" },
				}),
			],
			["record.email", authUserInsert(USER, "a\ud800@example.com")],
			[
				"record.encrypted_password",
				authUserInsert(USER, "a@example.com", { encrypted_password: "\u0000" }),
			],
			[
				"old_record.x",
				{
					...authUserInsert(USER, "a@example.com"),
					old_record: { x: "\u0000" },
				},
			],
			[
				"table",
				{ ...authUserInsert(USER, "a@example.com"), table: "users\u0000" },
			],
		])("a NUL or an unpaired surrogate in %s is a 400", async (field, body) => {
			await expectRefused("/webhooks/supabase", hook(body), field);
		});

		it("reads a created_at outside Postgres's range as no date", async () => {
			const res = await app.request(
				"/webhooks/supabase",
				hook(
					authUserInsert(
						"1b6f3c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f",
						"old@example.com",
						{
							created_at: "-271821-04-20T00:00:00Z",
						},
					),
				),
			);
			expect(res.status).toBe(200);
			const { event_id } = (await res.json()) as { event_id: string };
			const at = await occurredAt(event_id);
			expect(Math.abs((at?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
		});
	});

	describe("intents", () => {
		it.each([
			[
				"customer.user_id",
				{
					type: "chat_started",
					data: { session_id: "s" },
					customer: { email: "c@example.com", user_id: "u\u0000" },
				},
			],
			[
				"data.utm.source",
				{
					type: "signup",
					data: { email: "odd@example.com", utm: { source: "\ud800" } },
				},
			],
			[
				"data",
				{ type: "signup", data: { email: "odd@example.com", "\u0000": 1 } },
			],
			["type", { type: "signup\u0000", data: {} }],
		])("a NUL or an unpaired surrogate in %s is a 400", async (field, body) => {
			await expectRefused(
				"/v1/events",
				intentRequest(body, { token: TEST_API_KEY }),
				field,
			);
		});

		it("a number jsonb cannot hold is a 400", async () => {
			const raw =
				'{"type":"chat_started","data":{"session_id":"s"},"customer":{"email":"c@example.com"},"n":1e999999}';
			const before = await countRows(testDb.db, "events");
			const res = await app.request(
				"/v1/events",
				intentRequest(undefined, { token: TEST_API_KEY, raw }),
			);
			expect(res.status).toBe(400);
			expect(await countRows(testDb.db, "events")).toBe(before);
		});

		it("a user's own request with a NUL is refused the same way", async () => {
			await expectRefused(
				"/v1/events",
				intentRequest(
					{
						type: "support_requested",
						data: { message: "x", subject: "s\u0000" },
					},
					{ token },
				),
				"data.subject",
			);
		});
	});
});
