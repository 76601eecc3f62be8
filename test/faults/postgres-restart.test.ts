/**
 * F9b with a real restart: Plumb on a throwaway cluster of its own (never the shared server), which
 * `pg_ctl restart` takes down and brings back under load, alternately clean (`-m fast`) and as a
 * crash with recovery (`-m immediate`).
 */
import { afterAll, describe, expect, it } from "vitest";
import { backends } from "../support/db.ts";
import {
	type PgCluster,
	postgresBin,
	startPgCluster,
} from "../support/pg-cluster.ts";
import { type Deployment, deploy } from "./deployment.ts";
import { type FamilySpec, runFamily } from "./family.ts";
import { familyTimeout, volume } from "./volume.ts";

describe.runIf(backends.includes("pg") && postgresBin() !== undefined)(
	"F9b: Plumb through a Postgres restart",
	() => {
		let cluster: PgCluster | undefined;
		let deployment: Deployment | undefined;
		afterAll(async () => {
			await deployment?.dispose();
			await cluster?.destroy();
		});

		it(
			"F9b: pg_ctl restart under load, clean and crash",
			async () => {
				const restarting = await startPgCluster();
				cluster = restarting;
				deployment = await deploy({ cluster: restarting });
				const spec: FamilySpec = {
					events: volume.events,
					faults: volume.faults,
					gapMs: volume.gapMs,
					id: "F9b-restart",
					name: "Postgres restarted (pg_ctl restart -m fast / immediate)",
					faultMs: 2_000,
					async inject(_d, i) {
						const from = Date.now();
						await restarting.restart(i % 2 === 0 ? "fast" : "immediate");
						return { from, back: Date.now() };
					},
				};
				expect((await runFamily(spec, deployment)).violations).toEqual([]);
			},
			familyTimeout(volume.faults, 2_000) + 60_000,
		);
	},
);
