import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import {
	bearer,
	hs256Token,
	intentEnv,
	intentRequest,
	TEST_API_KEY,
	userClaims,
} from "../../test/support/intents.ts";
import { drainEvents } from "../../test/support/worker.ts";

const ALICE = "11111111-1111-4111-8111-111111111111";
const BOB = "22222222-2222-4222-8222-222222222222";

interface Accepted {
	id: string;
	status: string;
	status_url: string;
}

describe.each(backends)("GET /v1/requests/:id on %s", (backend: Backend) => {
	let testDb: TestDb;
	beforeEach(async () => {
		testDb = await freshDb(backend);
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it("stays processing while the CRM sync its change was coalesced into is still waiting", async () => {
		const alice = await hs256Token(userClaims(ALICE, "alice@example.com"));
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const submit = async (data: Record<string, unknown>) =>
			(await (
				await app.request(
					"/v1/events",
					intentRequest({ type: "lead_captured", data }, { token: alice }),
				)
			).json()) as Accepted;
		const first = await submit({ email: "alice@example.com", name: "Alice" });
		await drainEvents(testDb.db);
		const second = await submit({
			email: "alice@example.com",
			phone: "+15550100",
		});
		await drainEvents(testDb.db);
		// One waiting sync for Alice, created by the first event; the second's change rides on it.
		const syncs = await testDb.db.query<{ event_id: string }>(
			"select event_id from plumb.deliveries where action = 'crm_sync'",
		);
		expect(syncs).toEqual([{ event_id: first.id }]);
		const status = async (id: string) =>
			(
				(await (
					await app.request(`/v1/requests/${id}`, bearer(alice))
				).json()) as { status: string }
			).status;
		expect(await status(second.id)).toBe("processing");
		await testDb.db.query(
			"update plumb.deliveries set status = 'succeeded', succeeded_at = now() where action = 'crm_sync'",
		);
		expect(await status(second.id)).toBe("done");
		expect(await status(first.id)).toBe("done");
	});

	it("answers the submitter with a status and a sentence derived from the event and its deliveries; anyone else gets 404", async () => {
		const alice = await hs256Token(userClaims(ALICE, "alice@example.com"));
		const bob = await hs256Token(userClaims(BOB, "bob@example.com"));
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const submitted = (await (
			await app.request(
				"/v1/events",
				intentRequest(
					{
						type: "support_requested",
						data: { message: "Where is my invoice?" },
					},
					{ token: alice },
				),
			)
		).json()) as Accepted;
		const read = async (token: string) =>
			app.request(submitted.status_url, bearer(token));

		const first = await read(alice);
		expect(first.status).toBe(200);
		expect(await first.json()).toEqual({
			id: submitted.id,
			type: "support_requested",
			status: "received",
			message: "Ticket received — our team will answer by e-mail",
			received_at: expect.any(String),
		});
		for (const other of [bob, TEST_API_KEY]) {
			const res = await read(other);
			expect(res.status).toBe(404);
			expect(await res.json()).toMatchObject({ error: "not_found" });
		}
		for (const path of [
			"/v1/requests/not-a-uuid",
			"/v1/requests/01890000-0000-7000-8000-000000000000",
		]) {
			expect((await app.request(path, bearer(alice))).status).toBe(404);
		}

		const status = async () =>
			((await (await read(alice)).json()) as { status: string }).status;
		const addDelivery = (key: string, state: string) =>
			testDb.db.query(
				"insert into plumb.deliveries (destination, action, idempotency_key, event_id, status) values ('zendesk', 'create_ticket', $1, $2, $3)",
				[key, submitted.id, state],
			);
		await testDb.db.query(
			"update plumb.events set attempts = 1 where id = $1",
			[submitted.id],
		);
		expect(await status()).toBe("retrying");
		await testDb.db.query(
			"update plumb.events set status = 'processed' where id = $1",
			[submitted.id],
		);
		expect(await status()).toBe("done");
		await addDelivery("d1", "pending");
		await addDelivery("d2", "skipped");
		expect(await status()).toBe("processing");
		await testDb.db.query(
			"update plumb.deliveries set status = 'retry_pending' where idempotency_key = 'd1'",
		);
		const retrying = (await (await read(alice)).json()) as {
			status: string;
			message: string;
		};
		expect(retrying).toMatchObject({
			status: "retrying",
			message: "Action failed; retrying automatically",
		});
		await testDb.db.query(
			"update plumb.deliveries set status = 'dead' where idempotency_key = 'd1'",
		);
		expect(await status()).toBe("failed");
		await testDb.db.query(
			"update plumb.deliveries set status = 'succeeded' where idempotency_key = 'd1'",
		);
		const done = (await (await read(alice)).json()) as {
			status: string;
			message: string;
		};
		expect(done).toMatchObject({
			status: "done",
			message: "Ticket filed — our team will answer by e-mail",
		});
	});

	it("lets an API key read what that key submitted", async () => {
		const { app } = testApp(testDb.db, { env: intentEnv() });
		const submitted = (await (
			await app.request(
				"/v1/events",
				intentRequest(
					{ type: "lead_captured", data: { email: "x@example.com" } },
					{ token: TEST_API_KEY },
				),
			)
		).json()) as Accepted;
		const res = await app.request(submitted.status_url, bearer(TEST_API_KEY));
		expect(await res.json()).toMatchObject({
			status: "received",
			type: "lead_captured",
		});
		const alice = await hs256Token(userClaims(ALICE, "x@example.com"));
		expect(
			(await app.request(submitted.status_url, bearer(alice))).status,
		).toBe(404);
	});
});
