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

const ALICE = "11111111-1111-4111-8111-111111111111";
const BOB = "22222222-2222-4222-8222-222222222222";

/** Who may say whom an intent is about: end users are their token; only API keys name a customer. */
describe.each(backends)("POST /v1/events callers on %s", (backend: Backend) => {
	let testDb: TestDb;
	let alice: string;
	beforeEach(async () => {
		testDb = await freshDb(backend);
		alice = await hs256Token(userClaims(ALICE, "Alice@Example.com"));
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it("refuses a customer field or someone else's e-mail from an end user, and a role claim in user_metadata changes nothing", async () => {
		const admin = await hs256Token(
			userClaims(ALICE, "alice@example.com", {
				user_metadata: { role: "admin", is_admin: true },
				app_metadata: { provider: "email" },
			}),
		);
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const body = {
			type: "support_requested",
			data: { message: "help" },
			customer: { email: "victim@example.com" },
		};
		// The same body works with an API key …
		const withKey = await app.request(
			"/v1/events",
			intentRequest(body, { token: TEST_API_KEY }),
		);
		expect(withKey.status).toBe(202);
		// … and is refused from an end user, whatever their metadata claims.
		for (const token of [alice, admin]) {
			const res = await app.request(
				"/v1/events",
				intentRequest(body, { token }),
			);
			expect(res.status).toBe(403);
			expect(await res.json()).toMatchObject({ error: "forbidden" });
			const other = await app.request(
				"/v1/events",
				intentRequest(
					{ type: "signup", data: { email: "victim@example.com" } },
					{ token },
				),
			);
			expect(other.status).toBe(403);
		}
		expect(await countRows(testDb.db, "events")).toBe(1);
	});

	it("asks an API key whom a support request is about, and refuses two different people", async () => {
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const missing = await app.request(
			"/v1/events",
			intentRequest(
				{ type: "support_requested", data: { message: "help" } },
				{ token: TEST_API_KEY },
			),
		);
		expect(missing.status).toBe(400);
		expect(await missing.json()).toMatchObject({
			error: "validation_failed",
			details: [{ field: "customer" }],
		});
		const mismatch = await app.request(
			"/v1/events",
			intentRequest(
				{
					type: "signup",
					data: { email: "a@example.com" },
					customer: { email: "b@example.com" },
				},
				{ token: TEST_API_KEY },
			),
		);
		expect(mismatch.status).toBe(400);
		expect(await countRows(testDb.db, "events")).toBe(0);
	});

	it("refuses a phone-only user's signup (no e-mail claim to check data.email against)", async () => {
		const phoneUser = await hs256Token(
			userClaims(BOB, undefined, { phone: "4915112345678" }),
		);
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const res = await app.request(
			"/v1/events",
			intentRequest(
				{ type: "signup", data: { email: "bob@example.com" } },
				{ token: phoneUser },
			),
		);
		expect(res.status).toBe(403);
		const chat = await app.request(
			"/v1/events",
			intentRequest(
				{ type: "chat_started", data: { session_id: "s1" } },
				{ token: phoneUser },
			),
		);
		expect(chat.status).toBe(202);
		const [row] = await testDb.db.query<{ data: unknown }>(
			"select data from plumb.events",
		);
		expect(row?.data).toEqual({
			customer: { app_user_id: BOB },
			chat: { session_id: "s1" },
		});
	});
});
