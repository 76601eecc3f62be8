/**
 * `plumb doctor --url`: the running instance's own configuration and database, as it reports them on
 * GET /admin/api/instance (bearer ADMIN_TOKEN), instead of the variables of the shell doctor runs in.
 */
import { z } from "zod";
import {
	type Config,
	type ConfigSummary,
	configSummarySchema,
} from "../../config/index.ts";
import { callInstance } from "../instance-api.ts";
import type { Check } from "./check.ts";
import { clockCheck } from "./database.ts";
import { securityChecks } from "./security.ts";

const answerSchema = z.object({
	configuration: configSummarySchema,
	database: z.object({
		kind: z.enum(["pg", "pglite"]),
		version: z.string(),
		version_num: z.number(),
		migrated: z.boolean(),
		now: z.iso.datetime(),
	}),
});

/** The instance's summary (for the connector checks) and its checks; or one ✗ saying why it did not answer. */
export async function instanceConfigChecks(
	config: Config,
	url: string,
	now: () => number = Date.now,
): Promise<{ summary: ConfigSummary | undefined; checks: Check[] }> {
	let answer: z.infer<typeof answerSchema>;
	const before = now();
	try {
		const reply = await callInstance<unknown>(config, url, {
			method: "GET",
			path: "/instance",
		});
		const parsed = answerSchema.safeParse(reply.body);
		if (reply.status !== 200 || !parsed.success)
			throw new Error(
				`the instance answered ${reply.status}${reply.body.message ? `: ${reply.body.message}` : " in a shape this plumb does not know (update one of them)"}`,
			);
		answer = parsed.data;
	} catch (error) {
		return {
			summary: undefined,
			checks: [
				{
					status: "fail",
					title: `Instance: could not ask it about its configuration (${error instanceof Error ? error.message : String(error)})`,
					fix: "Run doctor with the instance's ADMIN_TOKEN, against the address it listens at.",
				},
			],
		};
	}
	const { configuration: summary, database } = answer;
	const checks: Check[] = [];
	if (database.kind === "pglite" && summary.env === "production")
		checks.push({
			status: "fail",
			title: "Database: the embedded one (PGlite) with NODE_ENV=production",
			fix: "Set DATABASE_URL to a PostgreSQL 15+ database (e.g. Supabase's direct or session-pooler connection).",
		});
	const kind =
		database.kind === "pglite"
			? "embedded PGlite"
			: `PostgreSQL ${database.version}`;
	checks.push(
		database.version_num >= 150000
			? { status: "pass", title: `Database: ${kind}, reachable` }
			: {
					status: "fail",
					title: `Database: PostgreSQL ${database.version} is older than 15`,
					fix: "Plumb needs PostgreSQL 15 or newer.",
				},
		database.migrated
			? { status: "pass", title: "Database: all migrations applied" }
			: {
					status: "fail",
					title: "Database: migrations are not all applied",
					fix: "Run plumb migrate (start does it too).",
				},
		clockCheck(
			Date.parse(database.now) - (before + now()) / 2,
			"the instance's database",
		),
		...securityChecks(summary),
	);
	return { summary, checks };
}
