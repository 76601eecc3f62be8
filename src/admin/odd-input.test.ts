/**
 * Odd input to the admin API and dashboard (issue 12): NUL, unpaired surrogates and cursors that are
 * not what they encode are a 400 naming the parameter; nothing an operator can type is ever a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, settle } from "../../test/e2e/admin-fixtures.ts";
import { testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import { seedOne } from "../../test/support/delivery-worker.ts";
import { encodeCursor } from "./pagination.ts";

const LISTS = ["events", "customers", "deliveries", "alerts"];
/** Every list, as JSON and as a dashboard page. */
const LIST_PATHS = LISTS.flatMap((list) => [
	`/admin/api/${list}`,
	`/admin/${list}`,
]);
/** Every route that takes a search box. */
const SEARCH_PATHS = [
	...["events", "customers", "deliveries"].flatMap((list) => [
		`/admin/api/${list}`,
		`/admin/${list}`,
	]),
	"/admin/api/trace",
];
const raw = (text: string) => Buffer.from(text, "utf8").toString("base64url");

describe.each(backends)("odd admin input on %s", (backend: Backend) => {
	let testDb: TestDb;
	let app: ReturnType<typeof testApp>["app"];
	let delivery: string;
	let alert: string;
	beforeAll(async () => {
		testDb = await freshDb(backend);
		app = testApp(testDb.db).app;
		delivery = await seedOne(testDb.db, {
			destination: "hubspot",
			action: "crm_sync",
			key: "odd-1",
		});
		await settle(testDb, delivery, {
			status: "dead",
			error: "HubSpot said no",
			httpStatus: 400,
		});
		const [row] = await testDb.db.query<{ id: string }>(
			`insert into plumb.alerts (kind, dedupe_key, severity, title, body)
			 values ('dead_delivery', 'dead:odd', 'warning', 'dead', 'HubSpot refused') returning id`,
		);
		alert = row?.id ?? "";
	});
	afterAll(async () => {
		await testDb.dispose();
	});

	const get = async (path: string) => {
		const res = await app.request(path, { headers: bearer });
		return { status: res.status, text: await res.text() };
	};
	const post = (path: string, body: string) =>
		app.request(path, {
			method: "POST",
			headers: { ...bearer, "content-type": "application/json" },
			body,
		});
	/** The parameter a 400 names: `details[].field` from the API, the sentence on a page. */
	const expectRefused = (
		answer: { status: number; text: string },
		path: string,
		field: string,
	) => {
		expect(answer.status).toBe(400);
		if (path.startsWith("/admin/api/")) {
			const body = JSON.parse(answer.text) as {
				error: string;
				message: string;
				details: Array<{ field: string }>;
			};
			expect(body.error).toBe("validation_failed");
			expect(body.details.map((d) => d.field)).toContain(field);
			expect(body.message).toContain(`\`${field}\``);
		} else expect(answer.text).toContain(`\`${field}\``);
	};

	it.each(SEARCH_PATHS)("%s?q= with a NUL is a 400 naming q", async (path) => {
		for (const q of ["%00", "a%00b", "ada%00%40example.com"])
			expectRefused(await get(`${path}?q=${q}`), path, "q");
	});

	it.each(LIST_PATHS)(
		"%s?cursor= that is not an encoded id is a 400 naming cursor",
		async (path) => {
			const cursors = [
				raw("-".repeat(36)),
				raw("0".repeat(36)),
				raw("0000000g-0000-0000-0000-000000000000"),
				raw("00000000-0000-0000-0000-00000000000\u0000"),
				// A real id with junk around it: lenient base64 decoding would read the same id.
				`${encodeCursor("0190aaaa-0000-7000-8000-000000000000")}!!`,
				`=${encodeCursor("0190aaaa-0000-7000-8000-000000000000")}`,
				"%00",
				"x",
			];
			for (const cursor of cursors)
				expectRefused(await get(`${path}?cursor=${cursor}`), path, "cursor");
		},
	);

	it.each(LIST_PATHS)(
		"%s pages with the cursor it gave, in either case",
		async (path) => {
			const id = "0190aaaa-0000-7000-8000-00000000000a";
			for (const cursor of [encodeCursor(id), encodeCursor(id.toUpperCase())])
				expect((await get(`${path}?cursor=${cursor}`)).status).toBe(200);
		},
	);

	it.each(LIST_PATHS)(
		"%s: a NUL or a lone surrogate in any parameter is a 400, never a 5xx",
		async (path) => {
			for (const name of ["status", "from", "to", "limit", "customer_id"])
				for (const value of ["%00", "x%00", "%ED%A0%80"]) {
					const answer = await get(`${path}?${name}=${value}`);
					expect(answer.status).toBe(400);
				}
			// A NUL in a parameter's name, too.
			expect((await get(`${path}?q%00=1`)).status).toBe(400);
		},
	);

	it.each(LIST_PATHS)(
		"%s: odd dates and limits are a 400 or a page, never a 5xx",
		async (path) => {
			const queries = [
				"from=2026-02-31",
				"from=2026-02-30T10:00:00Z",
				"from=2026-13-01",
				"from=0000-01-01",
				"to=0000-01-01",
				"from=9999-12-31",
				"to=9999-12-31T23:59:59.999%2B14:00",
				"from=1969-12-31",
				"from=2026-11-23T24:00:00Z",
				"from=2026-11-23T10:00:00%2B99:00",
				"from=2026-11-24&to=2026-11-23",
				"limit=0",
				"limit=-1",
				"limit=1e2",
				"limit=0x10",
				"limit=NaN",
				"limit=Infinity",
				"limit=99999999999999999999999",
				"limit=%20",
				"customer_id=ffffffff-ffff-ffff-ffff-ffffffffffff",
				"status=%F0%9F%98%80",
				"unknown=1",
			];
			for (const query of queries) {
				const { status } = await get(`${path}?${query}`);
				expect([200, 400], `${path}?${query}`).toContain(status);
			}
		},
	);

	it("a NUL or a lone surrogate in a reason is a 400 naming reason; nothing is written", async () => {
		const before = await testDb.db.query<{ n: number }>(
			"select count(*)::int as n from plumb.interventions",
		);
		for (const reason of ["a\\u0000b", "a\\ud800b", "\\udfff"]) {
			for (const [path, body] of [
				[`/admin/api/deliveries/${delivery}/replay`, `{"reason": "${reason}"}`],
				[
					"/admin/api/deliveries/replay",
					`{"status": "dead", "reason": "${reason}"}`,
				],
				[`/admin/api/alerts/${alert}/acknowledge`, `{"reason": "${reason}"}`],
			] as const) {
				const res = await post(path, body);
				expectRefused(
					{ status: res.status, text: await res.text() },
					path,
					"reason",
				);
			}
		}
		const after = await testDb.db.query<{ n: number }>(
			"select count(*)::int as n from plumb.interventions",
		);
		expect(after).toEqual(before);
		const [row] = await testDb.db.query<{ status: string }>(
			"select status from plumb.deliveries where id = $1",
			[delivery],
		);
		expect(row?.status).toBe("dead");
	});
});
