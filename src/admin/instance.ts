/**
 * GET /admin/api/instance: what this instance runs with, for `plumb doctor --url`: its configuration
 * summary (secrets as booleans, never values), its database (kind, version, migrated), its clock,
 * and the Stripe API versions its events arrived in.
 * The doctor judges the instance, not the shell it is typed in.
 */
import { Hono } from "hono";
import {
	databaseFacts,
	isMigrated,
	stripeApiVersionsSeen,
} from "../store/index.ts";
import type { AdminEnv, AdminRouteDeps } from "./deps.ts";

/** Mounted under /admin/api/instance. */
export function instanceRoutes(deps: AdminRouteDeps): Hono<AdminEnv> {
	const app = new Hono<AdminEnv>();
	app.get("/", async (c) => {
		const [facts, migrated] = await Promise.all([
			databaseFacts(deps.db),
			isMigrated(deps.db),
		]);
		// Read only once migrated: the column it reads comes with a migration.
		const versions = migrated ? await stripeApiVersionsSeen(deps.db) : [];
		return c.json(
			deps.redactor.value({
				configuration: deps.settings.configuration,
				database: {
					kind: deps.db.kind,
					version: facts.version,
					version_num: facts.versionNum,
					migrated,
					now: facts.now.toISOString(),
				},
				stripe_api_versions: versions.map(({ version, events }) => ({
					version,
					events,
				})),
			}),
		);
	});
	return app;
}
