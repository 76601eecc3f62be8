/**
 * RevenueCat webhooks for tests, built from RevenueCat's own sample events (contracts/revenuecat/sample-events):
 * only values of fields the sample already has are changed (ids, times, type, user, period).
 */
import { readFileSync } from "node:fs";
import type { Db } from "../../src/store/index.ts";
import { testApp } from "./app.ts";
import { CONTRACTS_DIR } from "./contracts.ts";
import { T0 } from "./state.ts";

export const TEST_REVENUECAT_AUTH = "Bearer rc-test-0123456789abcdef";

let counter = 0;

/** RevenueCat's INITIAL_PURCHASE sample with these values, `seconds` after T0. */
export function revenueCatEvent(
	type: string,
	seconds: number,
	values: Record<string, unknown> = {},
): { api_version: string; event: Record<string, unknown> } {
	const sample = JSON.parse(
		readFileSync(
			`${CONTRACTS_DIR}revenuecat/sample-events/01-INITIAL_PURCHASE.json`,
			"utf8",
		),
	) as { api_version: string; event: Record<string, unknown> };
	counter += 1;
	const at = (T0 + seconds) * 1000;
	return {
		...sample,
		event: {
			...sample.event,
			id: `rc-test-${counter}-${Math.random().toString(36).slice(2, 8)}`,
			type,
			event_timestamp_ms: at,
			purchased_at_ms: at,
			...values,
		},
	};
}

/** Posts each body through the real webhook route with the configured Authorization; every answer must be 200. */
export async function postRevenueCat(
	db: Db,
	bodies: readonly unknown[],
): Promise<void> {
	const { app } = testApp(db, {
		env: { REVENUECAT_WEBHOOK_AUTH: TEST_REVENUECAT_AUTH },
	});
	for (const body of bodies) {
		const res = await app.request("/webhooks/revenuecat", {
			method: "POST",
			headers: {
				"content-type": "application/json",
				authorization: TEST_REVENUECAT_AUTH,
			},
			body: JSON.stringify(body),
		});
		if (res.status !== 200)
			throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
	}
}
