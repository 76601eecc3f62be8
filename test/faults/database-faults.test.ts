/**
 * F9 and F10 on the shared server, one deployment for all five families in turn (each with its own
 * events and customers): every connection reset under load (F9a), every Plumb backend terminated
 * (F9b), the database unreachable for a while (F9c), 500 ms added to every round trip (F10) and a
 * database that refuses writes (F10). Plumb's processes stay up, answer 503 `database_unavailable`
 * (any 5xx for refused writes) instead of a reset or a 2xx for an event not stored, and are back to
 * 2xx within 10 s, with nothing acknowledged and lost and no side effect doubled.
 * Postgres restarted with pg_ctl is in postgres-restart.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/db.ts";
import { type Deployment, deploy } from "./deployment.ts";
import { type FamilySpec, runFamily } from "./family.ts";
import { UNAVAILABLE } from "./tally.ts";
import { FULL, familyTimeout, volume } from "./volume.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const base = {
	events: volume.events,
	faults: volume.faults,
	gapMs: volume.gapMs,
};

describe.runIf(backends.includes("pg"))(
	"F9 and F10: Plumb through a lost, slow or read-only database",
	() => {
		let deployment: Deployment;
		beforeAll(async () => {
			deployment = await deploy();
		}, 60_000);
		afterAll(async () => {
			await deployment?.dispose();
		});

		it(
			"F9a: every connection reset under load",
			async () => {
				const spec: FamilySpec = {
					...base,
					id: "F9a",
					name: "connections reset under load",
					faultMs: 500,
					async inject(d) {
						const from = Date.now();
						d.proxy.resetAll();
						return { from, back: Date.now() };
					},
				};
				expect((await runFamily(spec, deployment)).violations).toEqual([]);
			},
			familyTimeout(volume.faults, 500),
		);

		it(
			"F9b: every Plumb backend terminated (pg_terminate_backend on its database)",
			async () => {
				const spec: FamilySpec = {
					...base,
					id: "F9b-terminate",
					name: "every Plumb backend terminated",
					faultMs: 500,
					async inject(d) {
						const from = Date.now();
						await d.terminateBackends();
						return { from, back: Date.now() };
					},
				};
				expect((await runFamily(spec, deployment)).violations).toEqual([]);
			},
			familyTimeout(volume.faults, 500),
		);

		// One long outage is enough for the reduced run; the full run has 20.
		const outages = FULL ? volume.faults : 1;
		it(
			`F9c: the database unreachable for ${volume.outageMs / 1000} s, then back`,
			async () => {
				const spec: FamilySpec = {
					...base,
					faults: outages,
					id: "F9c",
					name: `database unreachable for ${volume.outageMs / 1000} s`,
					faultMs: volume.outageMs,
					awayReadyz: true,
					awayWebhook: (o) =>
						o.kind === "answer" && o.status === 503 && o.error === UNAVAILABLE,
					async inject(d, _i, checkAway) {
						const from = Date.now();
						await d.proxy.cut();
						try {
							await sleep(volume.outageMs / 2);
							const away = await checkAway();
							await sleep(Math.max(0, from + volume.outageMs - Date.now()));
							return { from, back: Date.now(), away };
						} finally {
							await d.proxy.acceptNew();
						}
					},
				};
				expect((await runFamily(spec, deployment)).violations).toEqual([]);
			},
			familyTimeout(outages, volume.outageMs),
		);

		it(
			"F10: 500 ms added per round trip",
			async () => {
				const spec: FamilySpec = {
					...base,
					id: "F10-slow",
					name: "slow database (+500 ms per round trip)",
					faultMs: volume.slowMs,
					async inject(d, _i, checkAway) {
						const from = Date.now();
						d.proxy.setLatency(500);
						try {
							await sleep(volume.slowMs / 2);
							const away = await checkAway();
							await sleep(Math.max(0, from + volume.slowMs - Date.now()));
							return { from, back: Date.now(), away };
						} finally {
							d.proxy.setLatency(0);
						}
					},
				};
				expect((await runFamily(spec, deployment)).violations).toEqual([]);
			},
			familyTimeout(volume.faults, volume.slowMs),
		);

		it(
			"F10: the database refuses writes (default_transaction_read_only)",
			async () => {
				const readOnly = (on: boolean) =>
					deployment.admin(
						`alter database ${deployment.database} ${on ? "set default_transaction_read_only = on" : "reset default_transaction_read_only"}`,
					);
				const spec: FamilySpec = {
					...base,
					id: "F10-read-only",
					name: "database refuses writes (default_transaction_read_only)",
					faultMs: volume.slowMs,
					// Any 5xx is a truthful "not stored, retry"; a 4xx would tell Stripe to give up.
					allowed: (answer) => answer.status >= 500,
					awayWebhook: (o) => o.kind === "answer" && o.status >= 500,
					async inject(d, _i, checkAway) {
						await readOnly(true);
						try {
							// The setting applies to new sessions: end Plumb's, so they come back read-only.
							await d.terminateBackends();
							const from = Date.now();
							await sleep(volume.slowMs / 2);
							const away = await checkAway();
							await sleep(Math.max(0, from + volume.slowMs - Date.now()));
							return { from, back: Date.now(), away };
						} finally {
							await readOnly(false);
							await d.terminateBackends();
						}
					},
				};
				expect((await runFamily(spec, deployment)).violations).toEqual([]);
			},
			familyTimeout(volume.faults, volume.slowMs),
		);
	},
);
