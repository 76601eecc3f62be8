/**
 * `plumb reconcile [--since 3d | --since 2026-11-01]`: fetch the Stripe events Plumb may have missed
 * (undelivered ones first, then everything since the last run) and accept each as a webhook would be.
 */
import type { Config } from "../config/index.ts";
import {
	type ReconcileProgress,
	type ReconcileSummary,
	reconcileStripe,
} from "../ingest/index.ts";
import { createScrubber } from "../observability/index.ts";
import { createStripeApi, StripeApiError } from "../stripe/index.ts";
import { openMigratedRuntime } from "./runtime.ts";
import { stripePullArgs } from "./stripe-pull-args.ts";

export const RECONCILE_USAGE = `Usage: plumb reconcile [--since 3d | --since 2026-11-01]

Reads Stripe's List Events: first the events whose webhooks were not delivered (the last 30 days,
or since --since), then every event since the newest one the last run saw (the first run: the
last 3 days, or since --since). Each goes through the same path as a webhook, stored once by its
id, so nothing happens twice. Needs STRIPE_API_KEY (a restricted key needs "Events: Read").
The worker runs the same every PLUMB_STRIPE_RECONCILE_EVERY (default 1h).`;

/** `argv` is everything after `reconcile`. Exit codes: 0 done, 1 failed or busy, 2 usage. */
export async function reconcileCommand(
	config: Config,
	argv: readonly string[],
): Promise<number> {
	const args = stripePullArgs(config, argv, {
		usage: RECONCILE_USAGE,
		keyUse:
			'plumb reconcile reads Stripe\'s events with it (a secret key, or a restricted key with "Events: Read")',
	});
	if (typeof args === "number") return args;
	const { sinceMs, apiKey } = args;
	const scrub = createScrubber(config.secretValues, { maskEmails: false });
	const runtime = await openMigratedRuntime(config);
	const progress = progressBar();
	try {
		const result = await reconcileStripe(
			{
				db: runtime.db,
				metrics: runtime.metrics,
				logger: runtime.logger,
				api: createStripeApi({ apiKey, apiBase: config.stripe.apiBase }),
				now: runtime.now,
			},
			{ sinceMs, onProgress: progress.update },
		);
		progress.done();
		if (!result.ran) {
			process.stderr.write(
				"Another reconcile is running (a worker's, or another plumb reconcile); try again when it ends.\n",
			);
			return 1;
		}
		process.stdout.write(`${summaryLine(result.summary)}\n`);
		return 0;
	} catch (error) {
		progress.done();
		process.stderr.write(
			scrub(
				`plumb reconcile: ${error instanceof StripeApiError ? error.message : messageOf(error)}\nEvents stored before the failure stay stored; the next run starts from the same checkpoint.\n`,
			),
		);
		return 1;
	} finally {
		await runtime.close();
	}
}

export function summaryLine(summary: ReconcileSummary): string {
	return [
		`Reconciled with Stripe: fetched ${summary.fetched} events (${summary.undelivered} undelivered), ${summary.stored} new, ${summary.alreadyKnown} already known`,
		summary.otherTypes > 0
			? `, ${summary.otherTypes} of types Plumb does not subscribe to`
			: "",
		summary.refused > 0 ? `, ${summary.refused} refused (see the log)` : "",
		`; ${summary.requests} Stripe requests, since ${new Date(summary.sinceS * 1000).toISOString()}.`,
	].join("");
}

/** On a terminal, a bar redrawn in place on stderr; otherwise a line per page of 100 events. */
function progressBar() {
	const tty = process.stderr.isTTY === true;
	let lastDrawn = 0;
	let drawn = false;
	// A page is counted when it is accepted, so several events report the same count: print it once.
	let lastPrinted = -1;
	const render = (p: ReconcileProgress) => {
		const filled = Math.round(p.fraction * 30);
		return p.phase === "undelivered"
			? `undelivered events: ${p.fetched} fetched`
			: `[${"#".repeat(filled)}${".".repeat(30 - filled)}] ${p.fetched} events fetched`;
	};
	return {
		update(p: ReconcileProgress) {
			if (tty && Date.now() - lastDrawn >= 100) {
				lastDrawn = Date.now();
				drawn = true;
				process.stderr.write(`\r\u001b[2K${render(p)}`);
			} else if (!tty && p.fetched % 100 === 0 && p.fetched !== lastPrinted) {
				lastPrinted = p.fetched;
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
