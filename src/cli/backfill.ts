/**
 * `plumb backfill [--since 2026-01-01 | --since 90d]`: brings a live Stripe account's existing
 * customers, subscriptions and paid invoices into Plumb as history (ingest/stripe-backfill.ts).
 */
import type { Config } from "../config/index.ts";
import {
	type BackfillProgress,
	type BackfillSummary,
	backfillStripe,
} from "../ingest/index.ts";
import { createScrubber } from "../observability/index.ts";
import { EVENT_WORKER_DEFAULTS, processBatch } from "../queue/index.ts";
import { pollingWakeup } from "../store/index.ts";
import { createStripeApi, StripeApiError } from "../stripe/index.ts";
import { openMigratedRuntime } from "./runtime.ts";
import { stripePullArgs } from "./stripe-pull-args.ts";

export const BACKFILL_USAGE = `Usage: plumb backfill [--since 2026-01-01 | --since 90d]

Brings the Stripe account's existing customers, subscriptions (canceled ones too) and paid invoices
into Plumb, created since --since (default: all). They become state as history: no alert, no ticket,
no Slack message; when all are applied each customer gets one CRM sync. A run that stops (Ctrl-C, a
failure, a crash) resumes where it was on the next plumb backfill; objects already brought in are not
brought in twice. Needs STRIPE_API_KEY (a restricted key needs "Customers: Read",
"Subscriptions: Read" and "Invoices: Read").`;

/** `argv` is everything after `backfill`. Exit codes: 0 done, 1 failed, busy or interrupted, 2 usage. */
export async function backfillCommand(
	config: Config,
	argv: readonly string[],
): Promise<number> {
	const args = stripePullArgs(config, argv, {
		usage: BACKFILL_USAGE,
		keyUse:
			'plumb backfill reads Stripe\'s customers, subscriptions and invoices with it (a secret key, or a restricted key with "Customers: Read", "Subscriptions: Read" and "Invoices: Read")',
	});
	if (typeof args === "number") return args;
	const { sinceMs, apiKey } = args;
	const scrub = createScrubber(config.secretValues, { maskEmails: false });
	const runtime = await openMigratedRuntime(config);
	const stop = new AbortController();
	const interrupt = () => stop.abort();
	process.once("SIGINT", interrupt);
	process.once("SIGTERM", interrupt);
	const progress = progressLine();
	const eventWorker = {
		db: runtime.db,
		// A line per applied event (tens of thousands) would bury the summary: warnings and errors only,
		// unless LOG_LEVEL asks for more.
		logger: runtime.logger.isLevelEnabled("debug")
			? runtime.logger
			: runtime.logger.child({}, { level: "warn" }),
		metrics: runtime.metrics,
		wakeup: pollingWakeup(),
		plans: config.plans,
		publicUrl: config.publicUrl,
		now: runtime.now,
	};
	try {
		const result = await backfillStripe(
			{
				db: runtime.db,
				metrics: runtime.metrics,
				logger: runtime.logger,
				api: createStripeApi({ apiKey, apiBase: config.stripe.apiBase }),
				now: runtime.now,
				// The event worker's own pass: the backfill applies its events itself, beside any worker.
				applyEvents: () => processBatch(eventWorker, EVENT_WORKER_DEFAULTS),
			},
			{ sinceMs, onProgress: progress.update, signal: stop.signal },
		);
		progress.done();
		if (!result.ran) {
			process.stderr.write(
				result.reason === "busy"
					? "Another plumb backfill is running; try again when it ends (a run that crashed frees its place within 10 minutes).\n"
					: scrub(
							`plumb backfill: ${messageOf(result.error)}\nNothing was brought in.\n`,
						),
			);
			return 1;
		}
		process.stdout.write(`${summaryLine(result.summary)}\n`);
		return 0;
	} catch (error) {
		progress.done();
		const why = stop.signal.aborted
			? "interrupted"
			: error instanceof StripeApiError
				? error.message
				: messageOf(error);
		process.stderr.write(
			scrub(
				`plumb backfill: ${why}\nWhat was brought in stays; run plumb backfill again to resume where it stopped.\n`,
			),
		);
		return 1;
	} finally {
		process.off("SIGINT", interrupt);
		process.off("SIGTERM", interrupt);
		await runtime.close();
	}
}

export function summaryLine(summary: BackfillSummary): string {
	const { customers, subscriptions, invoices } = summary.listed;
	return [
		`Backfilled from Stripe${summary.resumed ? " (resumed)" : ""}: ${customers} customers, ${subscriptions} subscriptions, ${invoices} paid invoices`,
		summary.sinceS === undefined
			? ""
			: ` created since ${new Date(summary.sinceS * 1000).toISOString()}`,
		`; ${summary.stored} new, ${summary.alreadyKnown} already known`,
		summary.refused > 0 ? `, ${summary.refused} refused (see the log)` : "",
		`; ${summary.crmSyncs} customers queued for one CRM sync each`,
		summary.failedEvents > 0
			? `; ${summary.failedEvents} events could not be applied (plumb trace ${summary.correlationId} shows them)`
			: "",
		`; ${summary.requests} Stripe requests.`,
	].join("");
}

/** On a terminal, one line redrawn in place on stderr; otherwise a line per 1,000 objects. */
function progressLine() {
	const tty = process.stderr.isTTY === true;
	let drawn = false;
	const render = (p: BackfillProgress) =>
		p.phase === "apply"
			? `applying: ${p.count} events applied`
			: `${p.phase}: ${p.count} read`;
	let shown = { phase: "", thousands: 0 };
	return {
		update(p: BackfillProgress) {
			if (tty) {
				drawn = true;
				process.stderr.write(`\r\u001b[2K${render(p)}`);
				return;
			}
			const thousands = Math.floor(p.count / 1_000);
			if (
				thousands > 0 &&
				(p.phase !== shown.phase || thousands > shown.thousands)
			) {
				shown = { phase: p.phase, thousands };
				process.stderr.write(`${render(p)}\n`);
			}
		},
		done() {
			if (tty && drawn) process.stderr.write("\n");
		},
	};
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
