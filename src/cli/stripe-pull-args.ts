/**
 * What `plumb reconcile` and `plumb backfill` read before they reach Stripe: `--since` (a duration
 * back from now, or a past date) and STRIPE_API_KEY. Either wrong is said in a sentence, exit code 2.
 */
import { parseArgs } from "node:util";
import { type Config, durationSchema } from "../config/index.ts";

/** The parsed arguments, or the exit code after the message was written. */
export function stripePullArgs(
	config: Config,
	argv: readonly string[],
	text: {
		usage: string;
		/** Completes "STRIPE_API_KEY is not set: …": what the command reads with it. */
		keyUse: string;
	},
): { sinceMs: number | undefined; apiKey: string } | number {
	let sinceMs: number | undefined;
	try {
		sinceMs = parseSince(argv, Date.now());
	} catch (error) {
		process.stderr.write(
			`${error instanceof Error ? error.message : String(error)}\n\n${text.usage}\n`,
		);
		return 2;
	}
	const apiKey = config.stripe.apiKey;
	if (apiKey === undefined) {
		process.stderr.write(`STRIPE_API_KEY is not set: ${text.keyUse}.\n`);
		return 2;
	}
	return { sinceMs, apiKey };
}

/** `--since 3d` (a duration back from now) or `--since 2026-11-01` (a date); undefined when absent. */
export function parseSince(
	argv: readonly string[],
	nowMs: number,
): number | undefined {
	const { positionals, values } = parseArgs({
		args: [...argv],
		allowPositionals: true,
		strict: true,
		options: { since: { type: "string" } },
	});
	if (positionals.length > 0)
		throw new Error(`Unexpected argument: ${positionals[0]}`);
	if (values.since === undefined) return undefined;
	const duration = durationSchema.safeParse(values.since);
	if (duration.success) return nowMs - duration.data;
	const date = /^\d{4}-\d{2}-\d{2}/.test(values.since)
		? Date.parse(values.since)
		: Number.NaN;
	if (Number.isNaN(date) || date > nowMs)
		throw new Error(
			"--since must be a duration such as 3d or 12h, or a past date such as 2026-11-01.",
		);
	return date;
}
