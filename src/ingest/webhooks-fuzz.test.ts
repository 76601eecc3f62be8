/**
 * F1 for the webhooks (issue 12): correctly signed Stripe, Zendesk, Supabase and (issue 17) RevenueCat
 * bodies with any one
 * field replaced, removed or added (text with NUL or unpaired surrogates, odd numbers and dates, any
 * JSON), never answered 5xx; invalid input is a 4xx that stores nothing, and a 200 stores at most one
 * row. PLUMB_DB_PROPERTY_RUNS scales the runs per route (default 40).
 */
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.ts";
import { CONTRACTS_DIR } from "../../test/support/contracts.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import {
	bodies,
	fuzzRuns,
	type Json,
	serialise,
	unstorable,
	withValue,
} from "../../test/support/fuzz.ts";
import {
	authUserInsert,
	countRows,
	intentEnv,
	TEST_SUPABASE_WEBHOOK_SECRET,
} from "../../test/support/intents.ts";
import { TEST_REVENUECAT_AUTH } from "../../test/support/revenuecat.ts";
import { stripeFixture, stripeRequest } from "../../test/support/stripe.ts";
import {
	TEST_ZENDESK_SECRET,
	zendeskRequest,
} from "../../test/support/zendesk.ts";

const RUNS = fuzzRuns(40);

const STRIPE = readdirSync(`${CONTRACTS_DIR}stripe/events`)
	.filter((name) => name.endsWith(".json"))
	.map(
		(name) => JSON.parse(stripeFixture(name.replace(/\.json$/, ""))) as Json,
	);

const ZENDESK: Json[] = [
	{
		ticket_id: "35436",
		status: "Solved",
		external_id: "support:cus-1:billing_issue",
		updated_at: "2026-11-23T10:15:00Z",
	},
	{
		type: "zen:event-type:ticket.status_changed",
		id: "01J0000000000000000000000",
		time: "2026-11-23T10:15:00Z",
		detail: { id: "35436", status: "SOLVED", external_id: null },
		event: { current: "SOLVED", previous: "OPEN" },
	},
];

/** RevenueCat's own sample of every event type. */
const REVENUECAT = readdirSync(`${CONTRACTS_DIR}revenuecat/sample-events`)
	.filter((name) => name.endsWith(".json"))
	.map(
		(name) =>
			JSON.parse(
				readFileSync(
					`${CONTRACTS_DIR}revenuecat/sample-events/${name}`,
					"utf8",
				),
			) as Json,
	);

const SUPABASE: Json[] = [
	authUserInsert("0b6f3c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f", "fuzz@example.com", {
		phone: "4915112345678",
		raw_user_meta_data: { full_name: "Fuzz", name: "F" },
	}),
	{
		...authUserInsert("1b6f3c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f", "up@example.com"),
		type: "UPDATE",
		old_record: { id: "1b6f3c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f" },
	},
];

describe.each(backends)(
	"fuzzing every webhook on %s: never 5xx, nothing stored from invalid input",
	(backend: Backend) => {
		let testDb: TestDb;
		let app: ReturnType<typeof testApp>["app"];
		beforeAll(async () => {
			testDb = await freshDb(backend);
			({ app } = testApp(testDb.db, {
				env: intentEnv({
					ZENDESK_WEBHOOK_SECRET: TEST_ZENDESK_SECRET,
					REVENUECAT_WEBHOOK_AUTH: TEST_REVENUECAT_AUTH,
				}),
			}));
		});
		afterAll(async () => {
			await testDb.dispose();
		});

		/** The invariant every route keeps, whatever it was sent. */
		async function check(
			path: string,
			body: Json,
			text: string,
			init: RequestInit,
			seen: Set<number>,
		): Promise<void> {
			const before = await countRows(testDb.db, "events");
			const res = await app.request(path, init);
			seen.add(res.status);
			expect(res.status, text.slice(0, 300)).toBeLessThan(500);
			const answer = (await res.json()) as Record<string, unknown>;
			const after = await countRows(testDb.db, "events");
			if (unstorable(body, text)) expect(res.status).toBe(400);
			if (res.status === 200) {
				expect(after - before).toBe(answer.duplicate === false ? 1 : 0);
			} else {
				expect(after).toBe(before);
				expect(typeof answer.error).toBe("string");
				expect(typeof answer.message).toBe("string");
			}
		}

		it("POST /webhooks/stripe, signed with the SDK", async () => {
			const seen = new Set<number>();
			await fc.assert(
				fc.asyncProperty(
					bodies(STRIPE, (body, n) => withValue(body, ["id"], `evt_fuzz_${n}`)),
					async (body) => {
						const text = serialise(body);
						await check(
							"/webhooks/stripe",
							body,
							text,
							stripeRequest(text),
							seen,
						);
					},
				),
				{ numRuns: RUNS },
			);
			expect(seen).toContain(200);
			expect(seen).toContain(400);
		});

		it("POST /webhooks/zendesk, signed as Zendesk signs", async () => {
			const seen = new Set<number>();
			await fc.assert(
				fc.asyncProperty(
					bodies(ZENDESK, (body, n) =>
						"ticket_id" in (body as object)
							? withValue(body, ["ticket_id"], String(n + 1))
							: withValue(body, ["id"], `ev-${n}`),
					),
					async (body) => {
						const text = serialise(body);
						await check(
							"/webhooks/zendesk",
							body,
							text,
							zendeskRequest(text),
							seen,
						);
					},
				),
				{ numRuns: RUNS },
			);
			expect(seen).toContain(200);
			expect(seen).toContain(400);
		});

		it("POST /webhooks/revenuecat, with its Authorization value", async () => {
			const seen = new Set<number>();
			await fc.assert(
				fc.asyncProperty(
					bodies(REVENUECAT, (body, n) =>
						withValue(body, ["event", "id"], `rc-fuzz-${n}`),
					),
					async (body) => {
						const text = serialise(body);
						await check(
							"/webhooks/revenuecat",
							body,
							text,
							{
								method: "POST",
								headers: {
									"content-type": "application/json",
									authorization: TEST_REVENUECAT_AUTH,
								},
								body: text,
							},
							seen,
						);
					},
				),
				{ numRuns: RUNS },
			);
			expect(seen).toContain(200);
			expect(seen).toContain(400);
		});

		it("POST /webhooks/supabase, with its bearer secret", async () => {
			const seen = new Set<number>();
			await fc.assert(
				fc.asyncProperty(
					fc
						.tuple(
							bodies(SUPABASE, (body) => body),
							fc.uuid(),
						)
						.map(([body, id]) =>
							(body as { record?: { id?: unknown } }).record?.id ===
							"0b6f3c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f"
								? withValue(body, ["record", "id"], id)
								: body,
						),
					async (body) => {
						const text = serialise(body);
						await check(
							"/webhooks/supabase",
							body,
							text,
							{
								method: "POST",
								headers: {
									"content-type": "application/json",
									authorization: `Bearer ${TEST_SUPABASE_WEBHOOK_SECRET}`,
								},
								body: text,
							},
							seen,
						);
					},
				),
				{ numRuns: RUNS },
			);
			expect(seen).toContain(200);
			expect(seen).toContain(400);
		});
	},
);
