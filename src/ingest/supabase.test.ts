import { afterEach, beforeEach, describe, expect, it } from "vitest";
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
	intentEnv,
	TEST_SUPABASE_WEBHOOK_SECRET,
} from "../../test/support/intents.ts";

const USER_ID = "88888888-8888-4888-8888-888888888888";

function hook(
	body: unknown,
	options: { secret?: string | null; contentType?: string; raw?: string } = {},
): RequestInit {
	const headers: Record<string, string> = {
		"content-type": options.contentType ?? "application/json",
	};
	const secret =
		options.secret === undefined
			? TEST_SUPABASE_WEBHOOK_SECRET
			: options.secret;
	if (secret !== null) headers.authorization = `Bearer ${secret}`;
	return { method: "POST", headers, body: options.raw ?? JSON.stringify(body) };
}

describe.each(backends)("POST /webhooks/supabase on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it("turns an auth.users INSERT into one signup, and a replay into nothing new", async () => {
		const { app, metrics } = testApp(testDb.db, { env: intentEnv() });
		const body = authUserInsert(USER_ID, " Ada@Example.COM ");
		const first = await app.request("/webhooks/supabase", hook(body));
		expect(first.status).toBe(200);
		const answer = (await first.json()) as { event_id: string };
		expect(answer).toEqual({
			received: true,
			duplicate: false,
			event_id: expect.any(String),
		});
		const replay = await app.request("/webhooks/supabase", hook(body));
		expect(await replay.json()).toEqual({
			received: true,
			duplicate: true,
			event_id: answer.event_id,
		});

		const rows = await testDb.db.query<Record<string, unknown>>(
			"select type, source, external_id, occurred_at, data, payload from plumb.events",
		);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({
			type: "signup",
			source: "supabase",
			external_id: `auth.users:${USER_ID}`,
			occurred_at: new Date("2025-05-01T10:00:00.123Z"),
			data: {
				customer: {
					app_user_id: USER_ID,
					email: "ada@example.com",
					name: "Ada Lovelace",
				},
			},
		});
		// Password hashes and one-time tokens never reach Plumb's database.
		const stored = JSON.stringify(rows[0]?.payload);
		expect(stored).not.toContain("encrypted_password");
		expect(stored).not.toContain("tok-should-not-be-stored");
		expect((await metrics.duplicatesSuppressed.get()).values).toEqual([
			{ labels: { source: "supabase" }, value: 1 },
		]);
	});

	it("401 for a wrong or missing secret, counted as a verification failure, nothing stored", async () => {
		const { app, metrics, rawLogs } = testApp(testDb.db, { env: intentEnv() });
		for (const secret of [`${TEST_SUPABASE_WEBHOOK_SECRET}x`, "short", null]) {
			const res = await app.request(
				"/webhooks/supabase",
				hook(authUserInsert(USER_ID, "a@example.com"), { secret }),
			);
			expect(res.status).toBe(401);
		}
		expect(await countRows(testDb.db, "events")).toBe(0);
		expect((await metrics.signatureFailures.get()).values).toEqual([
			{ labels: { source: "supabase" }, value: 3 },
		]);
		expect(rawLogs()).not.toContain(TEST_SUPABASE_WEBHOOK_SECRET);
	});

	it("503 while SUPABASE_WEBHOOK_SECRET is unset", async () => {
		const { app } = testApp(testDb.db);
		const res = await app.request(
			"/webhooks/supabase",
			hook(authUserInsert(USER_ID, "a@example.com")),
		);
		expect(res.status).toBe(503);
		expect(await countRows(testDb.db, "events")).toBe(0);
	});

	it("acknowledges UPDATE and DELETE on auth.users without storing, and refuses other tables", async () => {
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const update = {
			...authUserInsert(USER_ID, "a@example.com"),
			type: "UPDATE",
		};
		const res = await app.request("/webhooks/supabase", hook(update));
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ received: true, ignored: true });
		const remove = {
			...authUserInsert(USER_ID, "a@example.com"),
			type: "DELETE",
			record: null,
		};
		expect((await app.request("/webhooks/supabase", hook(remove))).status).toBe(
			200,
		);
		const other = {
			...authUserInsert(USER_ID, "a@example.com"),
			schema: "public",
			table: "profiles",
		};
		expect((await app.request("/webhooks/supabase", hook(other))).status).toBe(
			400,
		);
		expect(await countRows(testDb.db, "events")).toBe(0);
	});

	it("400 for malformed payloads, 415 for other content types, nothing stored", async () => {
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const bad: RequestInit[] = [
			hook(undefined, { raw: "{" }),
			hook({ type: "INSERT" }),
			hook({
				...authUserInsert(USER_ID, "a@example.com"),
				record: { id: "not-a-uuid" },
			}),
			hook({ ...authUserInsert(USER_ID, "a@example.com"), record: null }),
			hook(undefined, { raw: `${"[".repeat(100)}${"]".repeat(100)}` }),
		];
		for (const init of bad)
			expect((await app.request("/webhooks/supabase", init)).status).toBe(400);
		const text = await app.request(
			"/webhooks/supabase",
			hook(authUserInsert(USER_ID, "a@example.com"), {
				contentType: "text/plain",
			}),
		);
		expect(text.status).toBe(415);
		expect(await countRows(testDb.db, "events")).toBe(0);
	});

	it("stores a phone-only user without an e-mail, and refuses NUL in metadata (400, never a 5xx)", async () => {
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const body = authUserInsert(USER_ID, "", {
			email: null,
			phone: "4915112345678",
			raw_user_meta_data: { name: "N\u0000ul" },
		});
		const refused = await app.request("/webhooks/supabase", hook(body));
		expect(refused.status).toBe(400);
		expect(await refused.json()).toMatchObject({
			error: "validation_failed",
			details: [{ field: "record.raw_user_meta_data.name" }],
		});
		expect(await countRows(testDb.db, "events")).toBe(0);
		const res = await app.request(
			"/webhooks/supabase",
			hook(
				authUserInsert(USER_ID, "", {
					email: null,
					phone: "4915112345678",
					raw_user_meta_data: { name: "N\uFFFDul" },
				}),
			),
		);
		expect(res.status).toBe(200);
		const [row] = await testDb.db.query<{ data: unknown }>(
			"select data from plumb.events",
		);
		expect(row?.data).toEqual({
			customer: {
				app_user_id: USER_ID,
				phone: "4915112345678",
				name: "N\uFFFDul",
			},
		});
	});
});
