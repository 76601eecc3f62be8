/**
 * F1 for the admin API and dashboard (issue 12): every parameter of every list, search and page,
 * valid or hostile (NUL, raw percent bytes, cursors that decode to anything, odd dates and limits),
 * never answered 5xx; a NUL, a bad cursor or an unknown parameter is a 400. The admin's POSTs (JSON
 * bodies, dashboard forms, any id in the path) are fuzzed the same way, and a refused one writes
 * nothing. PLUMB_DB_PROPERTY_RUNS scales the runs per route (default 20).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, paidCustomer, settle } from "../../test/e2e/admin-fixtures.ts";
import { testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import {
	fuzzRuns,
	isBadText,
	type Json,
	mutated,
	nastyText,
	serialise,
	unstorable,
} from "../../test/support/fuzz.ts";
import {
	DELIVERY_STATUSES,
	DESTINATIONS,
	EVENT_SOURCES,
	EVENT_STATUSES,
	EVENT_TYPES,
} from "../core/index.ts";
import { ALERT_SEVERITIES, ALERT_STATUSES } from "../store/index.ts";
import { PLAN_STATUSES } from "./customers.ts";
import { encodeCursor } from "./pagination.ts";

const RUNS = fuzzRuns(20);

/** A query value as sent: `raw` is already percent-encoded; `invalid` marks what must be a 400. */
interface Value {
	raw: string;
	invalid: boolean;
}

/** Percent-encodes the UTF-8 bytes of `text` (an unpaired surrogate goes out as U+FFFD, as a browser sends it). */
const encode = (text: string) =>
	[...Buffer.from(text, "utf8")]
		.map((byte) =>
			/[A-Za-z0-9._~-]/.test(String.fromCharCode(byte))
				? String.fromCharCode(byte)
				: `%${byte.toString(16).padStart(2, "0").toUpperCase()}`,
		)
		.join("");

/** What the server reads: Hono decodes `+` and a valid percent-encoding, and keeps anything else as sent. */
function decoded(raw: string): string {
	const text = raw.replace(/\+/g, " ");
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}

const valid = (values: fc.Arbitrary<string>) =>
	values.map((text): Value => ({ raw: encode(text), invalid: false }));

/** Anything at all: hostile text, raw bytes (invalid UTF-8 too), numbers, odd dates. */
const hostile: fc.Arbitrary<Value> = fc.oneof(
	nastyText.map((text) => ({ raw: encode(text), invalid: false })),
	fc.uint8Array({ maxLength: 6 }).map((bytes) => ({
		raw: [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""),
		invalid: false,
	})),
	fc
		.oneof(
			fc.integer().map(String),
			fc.double().map(String),
			fc.constantFrom(
				"1e2",
				"0x10",
				"-0",
				"NaN",
				"Infinity",
				"99999999999999999999999",
				"2026-02-31",
				"2026-02-30T10:00:00Z",
				"0000-01-01",
				"9999-12-31T23:59:59.999+14:00",
				"2026-11-23T24:00:00Z",
				"+275760-09-13",
			),
		)
		.map((text) => ({ raw: encode(text), invalid: false })),
);

/** Cursors that are not the encoding of an id: 36 dashes or zeros, near-UUIDs, an id with junk around it. */
const badCursor: fc.Arbitrary<Value> = fc
	.oneof(
		fc
			.constantFrom("-".repeat(36), "0".repeat(36), "g".repeat(36))
			.map(encodeCursor),
		fc
			.string({ minLength: 1, maxLength: 40 })
			.filter((text) => !/^[0-9a-f-]{36}$/i.test(text))
			.map(encodeCursor),
		fc
			.tuple(fc.uuid(), fc.constantFrom("!", "=", "==", "*", "."))
			.map(([id, junk]) => `${encodeCursor(id)}${junk}`),
	)
	.map((cursor) => ({ raw: encode(cursor), invalid: true }));

const withNul: fc.Arbitrary<Value> = fc
	.tuple(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }))
	.map(([a, b]) => ({ raw: encode(`${a}\u0000${b}`), invalid: true }));

const date = fc
	.date({
		min: new Date("1970-01-01"),
		max: new Date("2100-01-01"),
		noInvalidDate: true,
	})
	.chain((d) => fc.constantFrom(d.toISOString(), d.toISOString().slice(0, 10)));

/** A parameter: a value the route accepts, or anything (often hostile, sometimes with a NUL). */
interface Param {
	good: fc.Arbitrary<Value>;
	any: fc.Arbitrary<Value>;
}

const param = (good: fc.Arbitrary<string>): Param => ({
	good: valid(good),
	any: fc.oneof(
		{ weight: 2, arbitrary: valid(good) },
		{ weight: 3, arbitrary: hostile },
		{ weight: 1, arbitrary: withNul },
	),
});

interface Seeded {
	customer: string;
	event: string;
	delivery: string;
	alert: string;
}

function routes(seeded: Seeded): Array<[string, Record<string, Param>]> {
	const ids = fc.oneof(
		fc.constantFrom(seeded.customer, seeded.event, seeded.delivery),
		fc.uuid(),
	);
	const list = {
		cursor: {
			good: valid(ids.map(encodeCursor)),
			any: fc.oneof(
				{ weight: 2, arbitrary: valid(ids.map(encodeCursor)) },
				{ weight: 2, arbitrary: badCursor },
				{ weight: 1, arbitrary: withNul },
			),
		},
		limit: param(fc.integer({ min: 1, max: 200 }).map(String)),
		from: param(date),
		to: param(date),
	};
	const search = param(
		fc.constantFrom(
			"ada1@example.com",
			"Ada",
			"evt_paid_1",
			"cus_1",
			"pi_1",
			seeded.customer,
		),
	);
	const notices = {
		notice: param(
			fc.constantFrom(
				"replayed",
				"bulk_replayed",
				"nothing_to_replay",
				"acknowledged",
				"logged_out",
			),
		),
		count: param(fc.integer({ min: 0, max: 1000 }).map(String)),
	};
	const events = {
		q: search,
		type: param(fc.constantFrom(...EVENT_TYPES)),
		source: param(fc.constantFrom(...EVENT_SOURCES)),
		status: param(fc.constantFrom(...EVENT_STATUSES)),
		customer_id: param(ids),
		...list,
	};
	const customers = {
		q: search,
		plan_status: param(fc.constantFrom(...PLAN_STATUSES)),
		tier: param(fc.constantFrom("free", "standard", "pro")),
		...list,
	};
	const deliveries = {
		q: search,
		status: param(fc.constantFrom(...DELIVERY_STATUSES)),
		destination: param(fc.constantFrom(...DESTINATIONS)),
		action: param(
			fc.constantFrom("crm_sync", "create_ticket", "add_comment", "notify"),
		),
		customer_id: param(ids),
		event_id: param(ids),
		...list,
	};
	const alerts = {
		status: param(fc.constantFrom(...ALERT_STATUSES)),
		severity: param(fc.constantFrom(...ALERT_SEVERITIES)),
		kind: param(fc.constantFrom("dead_delivery", "signature_failures")),
		customer_id: param(ids),
		...list,
	};
	return [
		["/admin/api/events", events],
		["/admin/events", events],
		["/admin/api/customers", customers],
		["/admin/customers", { ...customers, ...notices }],
		["/admin/api/deliveries", deliveries],
		["/admin/deliveries", { ...deliveries, ...notices }],
		["/admin/api/alerts", alerts],
		["/admin/alerts", { ...alerts, ...notices }],
		["/admin/api/trace", { q: search }],
		[
			"/admin/deliveries/replay",
			{
				status: param(fc.constantFrom("dead", "skipped")),
				destination: param(fc.constantFrom(...DESTINATIONS)),
			},
		],
		["/admin/money", {}],
		["/admin/api/money", {}],
		[
			"/admin/login",
			{
				next: param(
					fc.constantFrom(
						"/admin/events",
						"//evil.example",
						"/admin/customers?q=a",
					),
				),
				...notices,
			},
		],
		[`/admin/api/customers/${seeded.customer}`, {}],
		[`/admin/customers/${seeded.customer}`, notices],
		[`/admin/api/events/${seeded.event}`, {}],
		[`/admin/events/${seeded.event}`, {}],
	];
}

/**
 * Any subset of the route's parameters: all accepted values half the time, anything the other half
 * (then sometimes with a parameter the route does not know).
 */
function query(
	params: Record<string, Param>,
): fc.Arbitrary<Array<[string, Value]>> {
	const pick = (side: "good" | "any") =>
		fc.record(
			Object.fromEntries(
				Object.entries(params).map(([name, p]) => [name, p[side]]),
			),
			{ requiredKeys: [] },
		);
	const unknown = fc.oneof(
		{ weight: 3, arbitrary: fc.constant(undefined) },
		{
			weight: 1,
			arbitrary: fc.tuple(
				fc.oneof(
					fc.constantFrom("page", "sort", "__proto__", "q[]"),
					fc.string({ maxLength: 8 }),
				),
				hostile,
			),
		},
	);
	const withUnknown = fc
		.tuple(pick("any"), unknown)
		.map(([known, extra]): Array<[string, Value]> => {
			const pairs = entries(known);
			if (
				extra !== undefined &&
				!(extra[0] in params) &&
				encode(extra[0]) !== ""
			)
				pairs.push([encode(extra[0]), { ...extra[1], invalid: true }]);
			return pairs;
		});
	return fc.oneof(pick("good").map(entries), withUnknown);
}

function entries(known: Record<string, Value | undefined>) {
	return Object.entries(known).filter(
		(pair): pair is [string, Value] => pair[1] !== undefined,
	);
}

describe.each(backends)(
	"fuzzing every admin parameter on %s: never 5xx, a 400 for what is invalid",
	(backend: Backend) => {
		let testDb: TestDb;
		let app: ReturnType<typeof testApp>["app"];
		let seeded: Seeded;
		beforeAll(async () => {
			testDb = await freshDb(backend);
			app = testApp(testDb.db).app;
			const ada = await paidCustomer(testDb);
			await settle(testDb, ada.syncId, {
				status: "dead",
				error: "HubSpot said no",
				httpStatus: 400,
			});
			const [alert] = await testDb.db.query<{ id: string }>(
				`insert into plumb.alerts (kind, dedupe_key, severity, title, body)
				 values ('dead_delivery', 'dead:fuzz', 'warning', 'dead', 'HubSpot refused') returning id`,
			);
			seeded = {
				customer: ada.id,
				event: ada.eventId,
				delivery: ada.syncId,
				alert: alert?.id ?? "",
			};
		});
		afterAll(async () => {
			await testDb.dispose();
		});
		const interventionCount = async () =>
			(
				await testDb.db.query<{ n: number }>(
					"select count(*)::int as n from plumb.interventions",
				)
			)[0]?.n;

		it("GET every list, search, page and detail, with any parameters", async () => {
			for (const [path, params] of routes(seeded)) {
				const seen = new Set<number>();
				await fc.assert(
					fc.asyncProperty(query(params), async (pairs) => {
						const search = pairs
							.map(([name, value]) => `${name}=${value.raw}`)
							.join("&");
						const url = search === "" ? path : `${path}?${search}`;
						const res = await app.request(url, { headers: bearer });
						seen.add(res.status);
						expect(res.status, url).toBeLessThan(500);
						const nul = pairs.some(
							([name, value]) =>
								isBadText(decoded(name)) || isBadText(decoded(value.raw)),
						);
						if (nul || pairs.some(([, value]) => value.invalid))
							expect(res.status, url).toBe(400);
						else expect([200, 303, 400], url).toContain(res.status);
						if (path.startsWith("/admin/api/") && res.status === 400) {
							const answer = (await res.json()) as Record<string, unknown>;
							expect(typeof answer.error).toBe("string");
							expect(typeof answer.message).toBe("string");
						}
					}),
					{ numRuns: RUNS },
				);
				expect(
					[...seen].some((status) => status < 400),
					path,
				).toBe(true);
			}
		});

		it("POST every admin action with any body; a refused one writes nothing", async () => {
			const actions: Array<[string, Json]> = [
				[
					`/admin/api/deliveries/${seeded.delivery}/replay`,
					{ reason: "fuzz", force: false },
				],
				[
					"/admin/api/deliveries/replay",
					{ status: "dead", destination: "hubspot", reason: "fuzz" },
				],
				[
					"/admin/api/deliveries/replay",
					{ status: "skipped", destination: "slack", reason: "fuzz" },
				],
				[`/admin/api/alerts/${seeded.alert}/acknowledge`, { reason: "fuzz" }],
			];
			await fc.assert(
				fc.asyncProperty(
					fc
						.constantFrom(...actions)
						.chain(([path, template]) =>
							fc.tuple(
								fc.constant(path),
								fc.oneof(fc.constant(template), mutated(template)),
							),
						),
					async ([path, body]) => {
						const text = serialise(body);
						const before = await interventionCount();
						const res = await app.request(path, {
							method: "POST",
							headers: { ...bearer, "content-type": "application/json" },
							body: text,
						});
						expect(res.status, text).toBeLessThan(500);
						if (unstorable(body, text)) expect(res.status).toBe(400);
						if (res.status >= 400)
							expect(await interventionCount()).toBe(before);
					},
				),
				{ numRuns: RUNS * 3 },
			);
		});

		it("POST every dashboard form with any fields; a refused one writes nothing", async () => {
			const forms: Array<[string, Record<string, Param>]> = [
				[
					`/admin/deliveries/${seeded.delivery}/replay`,
					{
						_csrf: param(fc.constant("x")),
						reason: param(fc.constant("fuzz")),
						return_to: param(
							fc.constantFrom("/admin/deliveries", "//evil.example"),
						),
					},
				],
				[
					"/admin/deliveries/replay",
					{
						_csrf: param(fc.constant("x")),
						status: param(fc.constantFrom("dead", "skipped")),
						destination: param(fc.constantFrom(...DESTINATIONS)),
						confirm: param(fc.constant("yes")),
						reason: param(fc.constant("fuzz")),
					},
				],
				[
					`/admin/alerts/${seeded.alert}/acknowledge`,
					{
						_csrf: param(fc.constant("x")),
						reason: param(fc.constant("fuzz")),
					},
				],
			];
			await fc.assert(
				fc.asyncProperty(
					fc
						.constantFrom(...forms)
						.chain(([path, fields]) =>
							fc.tuple(fc.constant(path), query(fields)),
						),
					async ([path, pairs]) => {
						const body = pairs
							.map(([name, value]) => `${name}=${value.raw}`)
							.join("&");
						const before = await interventionCount();
						const res = await app.request(path, {
							method: "POST",
							headers: {
								...bearer,
								"content-type": "application/x-www-form-urlencoded",
							},
							body,
						});
						expect(res.status, body).toBeLessThan(500);
						if (pairs.some(([, value]) => isBadText(decoded(value.raw))))
							expect(res.status, body).toBe(400);
						if (res.status >= 400)
							expect(await interventionCount()).toBe(before);
					},
				),
				{ numRuns: RUNS * 3 },
			);
		});

		it("GET and POST by any id: a 404 or a 400, never a 5xx", async () => {
			const id = fc.oneof(
				fc.uuid(),
				fc.string({ maxLength: 40 }).map(encode),
				hostile.map((value) => value.raw),
			);
			await fc.assert(
				fc.asyncProperty(
					id,
					fc.constantFrom(
						"/admin/api/customers/",
						"/admin/customers/",
						"/admin/api/events/",
						"/admin/events/",
						"/admin/api/deliveries/{}/replay",
						"/admin/api/alerts/{}/acknowledge",
					),
					async (raw, route) => {
						const post = route.includes("{}");
						const path = post ? route.replace("{}", raw) : `${route}${raw}`;
						const res = await app.request(path, {
							method: post ? "POST" : "GET",
							headers: { ...bearer, "content-type": "application/json" },
							...(post ? { body: '{"reason": "fuzz"}' } : {}),
						});
						expect(res.status, path).toBeLessThan(500);
					},
				),
				{ numRuns: RUNS * 3 },
			);
		});
	},
);
