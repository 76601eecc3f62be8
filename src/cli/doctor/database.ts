/** `plumb doctor`'s database checks: reachable, migrated, PostgreSQL 15+, not embedded in production, clock. */
import { existsSync } from "node:fs";
import type { Config } from "../../config/index.ts";
import {
	databaseFacts,
	isMigrated,
	loadMigrations,
} from "../../store/index.ts";
import { DataDirInUseError } from "../data-dir-lock.ts";
import { openRuntime } from "../runtime.ts";
import type { Check } from "./check.ts";
import { stripeVersionCheck } from "./stripe-versions.ts";

/** Largest clock difference from the database that still passes (PRODUCT: within 60 s). */
const MAX_SKEW_MS = 60_000;

/** Reachable, migrated, Postgres 15+, not embedded in production, and the clock within 60 s. */
export async function databaseChecks(
	config: Config,
	/** Milliseconds since the epoch: the local clock compared with the database's; tests skew it. */
	now: () => number = Date.now,
): Promise<Check[]> {
	const checks: Check[] = [];
	const embedded = config.database.url === undefined;
	if (embedded && config.env === "production")
		checks.push(EMBEDDED_IN_PRODUCTION);
	if (embedded && !existsSync(config.database.dataDir)) {
		checks.push({
			status: "fail",
			title: `Database: no embedded database in ${config.database.dataDir} yet`,
			fix: "Start Plumb once (npm start) or run plumb migrate, or set DATABASE_URL.",
		});
		return checks;
	}
	let runtime: Awaited<ReturnType<typeof openRuntime>>;
	try {
		runtime = await openRuntime(config);
	} catch (error) {
		checks.push(
			error instanceof DataDirInUseError
				? {
						status: "fail",
						title: `Database: ${error.message.split(". ")[0]}`,
						fix: `Run plumb doctor --url ${config.publicUrl} to check it through the running instance.`,
					}
				: {
						status: "fail",
						title: `Database: unreachable (${error instanceof Error ? error.message : String(error)})`,
						fix: "Check DATABASE_URL (host, port, user, password, database) and that the server accepts connections from here.",
					},
		);
		return checks;
	}
	try {
		const before = now();
		const facts = await databaseFacts(runtime.db);
		const skew = facts.now.getTime() - (before + now()) / 2;
		const migrated = await isMigrated(runtime.db);
		checks.push(
			...engineChecks({
				embedded,
				...facts,
				migrated,
				migrations: (await loadMigrations()).length,
			}),
			clockCheck(skew, "the database"),
		);
		if (migrated) checks.push(await stripeVersionCheck(runtime.db));
	} finally {
		await runtime.close();
	}
	return checks;
}

export const EMBEDDED_IN_PRODUCTION: Check = {
	status: "fail",
	title: "Database: the embedded one (PGlite) with NODE_ENV=production",
	fix: "Set DATABASE_URL to a PostgreSQL 15+ database (e.g. Supabase's direct or session-pooler connection).",
};

/** PostgreSQL 15+ and every migration applied: the local database's facts, or the instance's. */
export function engineChecks(facts: {
	embedded: boolean;
	version: string;
	versionNum: number;
	migrated: boolean;
	/** How many migrations this plumb has, when known. */
	migrations?: number;
}): Check[] {
	const kind = facts.embedded
		? "embedded PGlite"
		: `PostgreSQL ${facts.version}`;
	return [
		facts.versionNum >= 150000
			? { status: "pass", title: `Database: ${kind}, reachable` }
			: {
					status: "fail",
					title: `Database: PostgreSQL ${facts.version} is older than 15`,
					fix: "Plumb needs PostgreSQL 15 or newer.",
				},
		facts.migrated
			? {
					status: "pass",
					title: `Database: all ${facts.migrations === undefined ? "" : `${facts.migrations} `}migrations applied`,
				}
			: {
					status: "fail",
					title: "Database: migrations are not all applied",
					fix: "Run plumb migrate (start does it too).",
				},
	];
}

/** The local clock against `other`'s: within 60 s passes. */
export function clockCheck(skewMs: number, other: string): Check {
	const seconds = Math.abs(skewMs) / 1000;
	const shown = seconds < 10 ? seconds.toFixed(1) : seconds.toFixed(0);
	return Math.abs(skewMs) <= MAX_SKEW_MS
		? { status: "pass", title: `Clock: within ${shown} s of ${other}` }
		: {
				status: "fail",
				title: `Clock: ${shown} s ${skewMs > 0 ? "behind" : "ahead of"} ${other}`,
				fix: "Synchronise the clocks (NTP): signature windows and retry times depend on them.",
			};
}
