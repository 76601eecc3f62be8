import { createHmac } from "node:crypto";
import fc from "fast-check";
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_STRIPE_SECRET, testApp } from "../../test/support/app.ts";
import {
	type Backend,
	backends,
	freshDb,
	type TestDb,
} from "../../test/support/db.ts";
import { stripeFixture, stripeRequest } from "../../test/support/stripe.ts";
import {
	type SignatureFailure,
	STRIPE_TOLERANCE_SECONDS,
	stripeSignedTimestamp,
	verifyStripeEvent,
} from "./stripe-signature.ts";

const OLD_SECRET = "whsec_old_plumb_fedcba9876543210";
const NOW = 1_750_000_000;
const NOW_MS = NOW * 1000 + 999;
const DAY = 86_400;
const PAYLOAD = '{"id":"evt_1","object":"event","data":{"object":{}}}';

/** A v1 signature as Stripe makes it: HMAC-SHA256 over "<t>.<body>". */
function v1(t: number | string, secret = TEST_STRIPE_SECRET): string {
	return createHmac("sha256", secret).update(`${t}.${PAYLOAD}`).digest("hex");
}

/** The SDK's own verdict on the same request: any secret passes constructEvent. */
function sdkAccepts(
	header: string,
	secrets: readonly string[],
	tolerance = STRIPE_TOLERANCE_SECONDS,
): boolean {
	return secrets.some((secret) => {
		try {
			Stripe.webhooks.constructEvent(
				Buffer.from(PAYLOAD),
				header,
				secret,
				tolerance,
				undefined,
				NOW_MS,
			);
			return true;
		} catch {
			return false;
		}
	});
}

function plumbVerdict(
	header: string,
	secrets: readonly string[],
): "ok" | SignatureFailure | undefined {
	const result = verifyStripeEvent(
		Buffer.from(PAYLOAD),
		header,
		secrets,
		NOW_MS,
	);
	return result.ok ? "ok" : result.error;
}

const SECRETS = [TEST_STRIPE_SECRET];
const ROTATED = [TEST_STRIPE_SECRET, OLD_SECRET];
const future = NOW + DAY;

/**
 * [case, header, secrets, the SDK accepts, Plumb's verdict]. They differ only where the signed `t`
 * is too far ahead or not a number: the SDK alone accepts the attack.
 */
const cases: Array<
	[string, string, readonly string[], boolean, "ok" | SignatureFailure]
> = [
	["a plain valid header", `t=${NOW},v1=${v1(NOW)}`, SECRETS, true, "ok"],
	[
		"the attack: t=now, then t=now+1d signed",
		`t=${NOW},t=${future},v1=${v1(future)}`,
		SECRETS,
		true,
		"timestamp_out_of_range",
	],
	[
		"duplicate t, the signed one last (the SDK reads the last)",
		`t=${NOW - DAY},t=${NOW},v1=${v1(NOW)}`,
		SECRETS,
		true,
		"ok",
	],
	[
		"duplicate t, the signed one first",
		`t=${NOW},t=${NOW - 10},v1=${v1(NOW)}`,
		SECRETS,
		false,
		"bad_signature",
	],
	[
		"duplicate t, a future one last and signed",
		`t=${NOW - 10},t=${future},v1=${v1(future)}`,
		SECRETS,
		true,
		"timestamp_out_of_range",
	],
	["a + sign on t", `t=+${NOW},v1=${v1(NOW)}`, SECRETS, true, "ok"],
	["a space after t=", `t= ${NOW},v1=${v1(NOW)}`, SECRETS, true, "ok"],
	[
		"a + sign on a future t",
		`t=+${future},v1=${v1(future)}`,
		SECRETS,
		true,
		"timestamp_out_of_range",
	],
	[
		"a space before t (not the key t)",
		`x=1, t=${NOW},v1=${v1(NOW)}`,
		SECRETS,
		false,
		"bad_signature",
	],
	[
		"a minus sign on t",
		`t=-${NOW},v1=${v1(-NOW)}`,
		SECRETS,
		false,
		"timestamp_out_of_range",
	],
	["trailing text after t", `t=${NOW}abc,v1=${v1(NOW)}`, SECRETS, true, "ok"],
	[
		"t that is not a number, its signature over NaN",
		`t=abc,v1=${v1("NaN")}`,
		SECRETS,
		true,
		"timestamp_out_of_range",
	],
	["no t at all", `v1=${v1(NOW)}`, SECRETS, false, "bad_signature"],
	[
		"several v1, one valid",
		`t=${NOW},v1=${"0".repeat(64)},v1=${v1(NOW)},v1=bogus`,
		SECRETS,
		true,
		"ok",
	],
	["v0 only", `t=${NOW},v0=${v1(NOW)}`, SECRETS, false, "bad_signature"],
	["no v1", `t=${NOW}`, SECRETS, false, "bad_signature"],
	[
		"a v1 over another body",
		`t=${NOW},v1=${"ab".repeat(32)}`,
		SECRETS,
		false,
		"bad_signature",
	],
	[
		"the wrong secret",
		`t=${NOW},v1=${v1(NOW, "whsec_someone_else")}`,
		SECRETS,
		false,
		"bad_signature",
	],
	[
		`${STRIPE_TOLERANCE_SECONDS} s in the future (inside)`,
		`t=${NOW + STRIPE_TOLERANCE_SECONDS},v1=${v1(NOW + STRIPE_TOLERANCE_SECONDS)}`,
		SECRETS,
		true,
		"ok",
	],
	[
		"a future timestamp beyond the tolerance",
		`t=${NOW + STRIPE_TOLERANCE_SECONDS + 1},v1=${v1(NOW + STRIPE_TOLERANCE_SECONDS + 1)}`,
		SECRETS,
		true,
		"timestamp_out_of_range",
	],
	[
		`${STRIPE_TOLERANCE_SECONDS} s old (inside)`,
		`t=${NOW - STRIPE_TOLERANCE_SECONDS},v1=${v1(NOW - STRIPE_TOLERANCE_SECONDS)}`,
		SECRETS,
		true,
		"ok",
	],
	[
		"a past timestamp beyond the tolerance",
		`t=${NOW - STRIPE_TOLERANCE_SECONDS - 1},v1=${v1(NOW - STRIPE_TOLERANCE_SECONDS - 1)}`,
		SECRETS,
		false,
		"timestamp_out_of_range",
	],
	[
		"rotation: signed with the second secret",
		`t=${NOW},v1=${v1(NOW, OLD_SECRET)}`,
		ROTATED,
		true,
		"ok",
	],
	[
		"rotation: the attack signed with the second secret",
		`t=${NOW},t=${future},v1=${v1(future, OLD_SECRET)}`,
		ROTATED,
		true,
		"timestamp_out_of_range",
	],
	["an empty header", "", SECRETS, false, "missing_signature"],
];

describe("verifyStripeEvent against the SDK's own verdict", () => {
	it.each(cases)("%s", (_name, header, secrets, sdk, plumb) => {
		expect(sdkAccepts(header, secrets)).toBe(sdk);
		expect(plumbVerdict(header, secrets)).toBe(plumb);
		// The only allowed difference: a signed `t` (as the SDK reads it) too far ahead, or not a number.
		const ahead = !(
			stripeSignedTimestamp(header) - NOW <=
			STRIPE_TOLERANCE_SECONDS
		);
		expect(plumb === "ok").toBe(sdk && !ahead);
	});

	it("returns the parsed body on success, and invalid_json for a signed non-JSON body", () => {
		const result = verifyStripeEvent(
			Buffer.from(PAYLOAD),
			`t=${NOW},v1=${v1(NOW)}`,
			SECRETS,
			NOW_MS,
		);
		expect(result).toEqual({ ok: true, value: JSON.parse(PAYLOAD) });
		const body = "not json";
		const signed = createHmac("sha256", TEST_STRIPE_SECRET)
			.update(`${NOW}.${body}`)
			.digest("hex");
		expect(
			verifyStripeEvent(
				Buffer.from(body),
				`t=${NOW},v1=${signed}`,
				SECRETS,
				NOW_MS,
			),
		).toEqual({ ok: false, error: "invalid_json" });
	});

	// Random headers built from the pieces the table uses: t entries with signs, spaces and trailing
	// text, duplicates in any order, valid and bogus v1, v0, junk. One v1 is valid, over `signedAt`.
	const values = [
		NOW - DAY,
		NOW - STRIPE_TOLERANCE_SECONDS - 1,
		NOW - 1,
		NOW,
		NOW + STRIPE_TOLERANCE_SECONDS,
		NOW + STRIPE_TOLERANCE_SECONDS + 1,
		NOW + DAY,
	];
	const tEntry = fc
		.tuple(
			fc.constantFrom("t=", "t= ", "t=+", "t=0", "t=-", " t=", "T=", "t=="),
			fc.constantFrom(...values),
			fc.constantFrom("", "abc", ".9", "=1", " "),
		)
		.map(([prefix, value, suffix]) => `${prefix}${value}${suffix}`);
	const header = fc
		.record({
			signedAt: fc.constantFrom(...values),
			signer: fc.constantFrom(TEST_STRIPE_SECRET, OLD_SECRET),
			ts: fc.array(fc.oneof(tEntry, fc.constantFrom("t", "t=", "t=abc")), {
				maxLength: 4,
			}),
			others: fc.array(
				fc.constantFrom("v1=bogus", `v1=${"0".repeat(64)}`, "x=y", "", " "),
				{ maxLength: 3 },
			),
			scheme: fc.constantFrom("v1=", "v0=", " v1=", "v1= "),
			order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
		})
		.map(({ signedAt, signer, ts, others, scheme, order }) => {
			const items = [...ts, ...others, `${scheme}${v1(signedAt, signer)}`];
			const shuffled = items
				.map((item, i) => ({ item, key: order[i % order.length] ?? 0 }))
				.sort((a, b) => a.key - b.key)
				.map(({ item }) => item);
			return { header: shuffled.join(","), signedAt, scheme };
		});

	it("reads the timestamp the SDK signs, for any header", () => {
		fc.assert(
			fc.property(header, ({ header: h, signedAt, scheme }) => {
				// Tolerance 0: the SDK skips the age check, so it accepts exactly when its `t` is signedAt.
				// Only an item that is exactly `v1=<hex>` counts as a signature (` v1=`, `v1= `, `v0=` do not).
				expect(sdkAccepts(h, ROTATED, 0)).toBe(
					scheme === "v1=" && stripeSignedTimestamp(h) === signedAt,
				);
			}),
			{ numRuns: 2000 },
		);
	});

	it("accepts exactly what the SDK accepts, minus a `t` too far ahead", () => {
		fc.assert(
			fc.property(header, ({ header: h }) => {
				const ahead = !(
					stripeSignedTimestamp(h) - NOW <=
					STRIPE_TOLERANCE_SECONDS
				);
				expect(plumbVerdict(h, ROTATED) === "ok").toBe(
					sdkAccepts(h, ROTATED) && !ahead,
				);
			}),
			{ numRuns: 2000 },
		);
	});
});

async function countEvents(testDb: TestDb): Promise<number> {
	const [row] = await testDb.db.query<{ n: number }>(
		"select count(*)::int as n from plumb.events",
	);
	return row?.n ?? -1;
}

describe.each(backends)(
	"POST /webhooks/stripe headers on %s",
	(backend: Backend) => {
		let testDb: TestDb;
		beforeEach(async () => {
			testDb = await freshDb(backend);
		});
		afterEach(async () => {
			await testDb.dispose();
		});

		const payload = stripeFixture("invoice.paid");
		const sig = (t: number | string, secret = TEST_STRIPE_SECRET) =>
			createHmac("sha256", secret).update(`${t}.${payload}`).digest("hex");
		const rotated = {
			STRIPE_WEBHOOK_SECRET: `${TEST_STRIPE_SECRET},${OLD_SECRET}`,
		};

		const refused: Array<[string, () => string]> = [
			[
				"the attack: t=now,t=now+1d,v1 over now+1d",
				() => `t=${NOW},t=${future},v1=${sig(future)}`,
			],
			[
				"the attack in the other order",
				() => `t=${future},t=${NOW},v1=${sig(future)}`,
			],
			["a signed + future t", () => `t=+${future},v1=${sig(future)}`],
			[
				"a signed future t after a space",
				() => `t= ${future},v1=${sig(future)}`,
			],
			["v0 only", () => `t=${NOW},v0=${sig(NOW)}`],
			["no v1", () => `t=${NOW}`],
			[
				"a future timestamp beyond the tolerance",
				() => `t=${NOW + 301},v1=${sig(NOW + 301)}`,
			],
			[
				"a past timestamp beyond the tolerance",
				() => `t=${NOW - 301},v1=${sig(NOW - 301)}`,
			],
		];
		it.each(refused)(
			"refuses %s with 401 and stores nothing",
			async (_name, header) => {
				const { app, metrics } = testApp(testDb.db, {
					env: rotated,
					now: () => NOW_MS,
				});
				const res = await app.request(
					"/webhooks/stripe",
					stripeRequest(payload, { signature: header() }),
				);
				expect(res.status).toBe(401);
				expect(await res.json()).toMatchObject({ error: "invalid_signature" });
				expect(await countEvents(testDb)).toBe(0);
				expect((await metrics.signatureFailures.get()).values[0]?.value).toBe(
					1,
				);
			},
		);

		const accepted: Array<[string, () => string]> = [
			[
				"duplicate t, the signed one last",
				() => `t=${future},t=${NOW},v1=${sig(NOW)}`,
			],
			["a + sign", () => `t=+${NOW},v1=${sig(NOW)}`],
			["a space after t=", () => `t= ${NOW},v1=${sig(NOW)}`],
			[
				"several v1, one valid",
				() => `t=${NOW},v1=${sig(NOW - 1)},v1=${sig(NOW)}`,
			],
			[
				"the second of two rotated secrets",
				() => `t=${NOW},v1=${sig(NOW, OLD_SECRET)}`,
			],
		];
		it.each(accepted)(
			"accepts %s and stores the event once",
			async (_name, header) => {
				const { app } = testApp(testDb.db, { env: rotated, now: () => NOW_MS });
				const res = await app.request(
					"/webhooks/stripe",
					stripeRequest(payload, { signature: header() }),
				);
				expect(res.status).toBe(200);
				expect(await countEvents(testDb)).toBe(1);
			},
		);
	},
);
