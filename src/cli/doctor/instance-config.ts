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
import { billingWebhookSettingsChecks } from "./billing-webhooks.ts";
import type { Check } from "./check.ts";
import {
	clockCheck,
	EMBEDDED_IN_PRODUCTION,
	engineChecks,
} from "./database.ts";
import { securityChecks } from "./security.ts";
import { stripeVersionVerdict } from "./stripe-versions.ts";

const answerSchema = z.object({
	configuration: configSummarySchema,
	database: z.object({
		kind: z.enum(["pg", "pglite"]),
		version: z.string(),
		version_num: z.number(),
		migrated: z.boolean(),
		now: z.iso.datetime(),
	}),
	// Absent from instances older than this plumb: then the check is left out.
	stripe_api_versions: z
		.array(z.object({ version: z.string(), events: z.number() }))
		.optional(),
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
	const embedded = database.kind === "pglite";
	const checks: Check[] = [
		...(embedded && summary.env === "production"
			? [EMBEDDED_IN_PRODUCTION]
			: []),
		...engineChecks({
			embedded,
			version: database.version,
			versionNum: database.version_num,
			migrated: database.migrated,
		}),
		clockCheck(
			Date.parse(database.now) - (before + now()) / 2,
			"the instance's database",
		),
		...(database.migrated && answer.stripe_api_versions
			? [stripeVersionVerdict(answer.stripe_api_versions)]
			: []),
		...securityChecks(summary),
		...billingWebhookSettingsChecks(summary),
	];
	return { summary, checks };
}
