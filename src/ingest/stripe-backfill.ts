/**
 * Backfill: a live Stripe account's existing customers, subscriptions and paid invoices become
 * Plumb's state (`plumb backfill`). Each object is stored as a historical event (stripe-snapshot.ts)
 * and applied by the same rules as a webhook, which make history state only; when every event of the
 * run is applied, each customer it touched gets one CRM sync (the queue's one-waiting-per-customer
 * policy coalesces it with any already waiting). Lists are read newest first with `starting_after`,
 * and a checkpoint row records the run, its phase and how far back it got after every page, so a run
 * that stops resumes where it was, and its lease lets one run at a time do the work.
 */
import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { AppError } from "../core/index.ts";
import type { Logger, Metrics } from "../observability/index.ts";
import { enqueueCrmSyncs } from "../queue/index.ts";
import {
	claimSyncCheckpoint,
	countEventsOf,
	customersOfEvents,
	type Db,
	releaseSyncCheckpoint,
	saveSyncCheckpoint,
} from "../store/index.ts";
import type { StripeApi, StripePermission } from "../stripe/index.ts";
import { storeStripeSnapshot } from "./stripe-snapshot.ts";

const CHECKPOINT = "stripe:backfill";
const PAGE = 100;
/**
 * The lease, renewed with every page: a run that dies holds up the next one at most this long. Longer
 * than the client's longest wait on one call (5 waits of at most 60 s), so a live run keeps it.
 */
const LEASE_MS = 10 * 60_000;
/** How long to wait before looking again when another worker holds the run's last events. */
const APPLY_POLL_MS = 200;

/** Customers first, so subscriptions and invoices find the customer they name. */
export const BACKFILL_LISTS = [
	"customers",
	"subscriptions",
	"invoices",
] as const;
export type BackfillList = (typeof BACKFILL_LISTS)[number];
type Phase = BackfillList | "apply";

interface ListSpec {
	what: string;
	need: StripePermission;
	list(
		sdk: Stripe,
		params: {
			limit: number;
			created?: { gte?: number; lte?: number };
			starting_after?: string;
		},
	): Promise<{
		data: ReadonlyArray<{ id: string; created: number }>;
		has_more: boolean;
	}>;
}

const LISTS: Record<BackfillList, ListSpec> = {
	customers: {
		what: "list customers",
		need: "customersRead",
		list: (sdk, params) => sdk.customers.list(params),
	},
	subscriptions: {
		what: "list subscriptions",
		need: "subscriptionsRead",
		// Canceled ones too: a customer who left is shown as having left.
		list: (sdk, params) => sdk.subscriptions.list({ ...params, status: "all" }),
	},
	invoices: {
		what: "list paid invoices",
		need: "invoicesRead",
		list: (sdk, params) => sdk.invoices.list({ ...params, status: "paid" }),
	},
};

export interface StripeBackfillDeps {
	db: Db;
	metrics: Metrics;
	logger: Logger;
	api: StripeApi;
	now: () => number;
	/** Applies one batch of pending events (the event worker's pass); returns how many it claimed. */
	applyEvents: () => Promise<number>;
	sleep?: (ms: number) => Promise<void>;
}

export interface BackfillCounts {
	/** Objects listed, per list. */
	listed: Record<BackfillList, number>;
	/** Of those, stored as new events. */
	stored: number;
	/** Already stored by an earlier run (or the same run before it stopped). */
	alreadyKnown: number;
	/** Objects that could not be stored (logged). */
	refused: number;
}

export interface BackfillProgress {
	phase: Phase;
	/** Objects read from this phase's list so far; in "apply", events applied by this process. */
	count: number;
}

export interface BackfillSummary extends BackfillCounts {
	/** This run continued one that had stopped. */
	resumed: boolean;
	/** The `created` bound (seconds) of the lists; undefined: everything. */
	sinceS: number | undefined;
	/** Customers queued for a CRM sync (at most one each; none when one was already waiting). */
	crmSyncs: number;
	/** Events of the run the rules could not apply (parked as failed, shown in the dashboard). */
	failedEvents: number;
	/** The run's correlation id, on each event it stored and its log lines (`plumb trace` takes it). */
	correlationId: string;
	/** Requests sent to Stripe by this invocation, retries included. */
	requests: number;
}

export type BackfillResult =
	| { ran: true; summary: BackfillSummary }
	| { ran: false; reason: "busy" }
	/** Stripe refused a first look at a list (a missing permission, a bad key): nothing was stored. */
	| { ran: false; reason: "refused"; error: unknown };

/** The checkpoint of a run under way; a finished run leaves `{last: {...}}` instead. */
interface RunPosition extends BackfillCounts {
	run: string;
	since: number | null;
	phase: Phase;
	/**
	 * `created` (seconds) of the last object stored from this phase's list. A resumed run reads from
	 * there (`created[lte]`) rather than after that object, which may have been deleted meanwhile;
	 * objects of that very second are read again and found already known.
	 */
	until?: number | undefined;
}

function runningPosition(
	position: Record<string, unknown>,
): RunPosition | undefined {
	return typeof position.run === "string" && typeof position.phase === "string"
		? (position as unknown as RunPosition)
		: undefined;
}

export async function backfillStripe(
	deps: StripeBackfillDeps,
	options: {
		/** Only objects created from here (ms); ignored when resuming a run (it keeps its own). */
		sinceMs?: number | undefined;
		onProgress?: (progress: BackfillProgress) => void;
		/** Stops the run between pages; the checkpoint keeps its place. */
		signal?: AbortSignal;
		/** Objects per list page (Stripe's most, 100, unless told). */
		pageSize?: number;
	} = {},
): Promise<BackfillResult> {
	// A key that cannot read all three lists is refused before anything is stored.
	const requestsBefore = deps.api.requests();
	const refused = await cannotRead(deps.api);
	if (refused !== undefined)
		return { ran: false, reason: "refused", error: refused };
	const claimed = await claimSyncCheckpoint(deps.db, CHECKPOINT, LEASE_MS);
	if (claimed === undefined) return { ran: false, reason: "busy" };
	const resumedRun = runningPosition(claimed);
	const run: RunPosition = resumedRun ?? {
		run: randomUUID(),
		since:
			options.sinceMs === undefined ? null : Math.floor(options.sinceMs / 1000),
		phase: "customers",
		listed: { customers: 0, subscriptions: 0, invoices: 0 },
		stored: 0,
		alreadyKnown: 0,
		refused: 0,
	};
	const correlationId = `backfill-${run.run}`;
	const log = deps.logger.child({ correlation_id: correlationId });
	const save = () =>
		saveSyncCheckpoint(
			deps.db,
			CHECKPOINT,
			{ ...run },
			{ release: false, renewLeaseMs: LEASE_MS },
		);
	log.info(
		{
			step: "backfill",
			source: "stripe",
			outcome: resumedRun ? "resumed" : "started",
			phase: run.phase,
		},
		resumedRun ? "stripe backfill resumed" : "stripe backfill started",
	);
	try {
		if (!resumedRun) await save();
		for (const list of BACKFILL_LISTS.slice(
			run.phase === "apply"
				? BACKFILL_LISTS.length
				: BACKFILL_LISTS.indexOf(run.phase),
		)) {
			await readList(deps, list, run, { correlationId, log, save, ...options });
			run.phase = BACKFILL_LISTS[BACKFILL_LISTS.indexOf(list) + 1] ?? "apply";
			run.until = undefined;
			await save();
		}
		await applyAll(deps, correlationId, save, options);
		const syncs = await customersOfEvents(deps.db, correlationId);
		let crmSyncs = 0;
		for (let at = 0; at < syncs.length; at += 1_000)
			crmSyncs += await enqueueCrmSyncs(deps.db, syncs.slice(at, at + 1_000));
		const summary: BackfillSummary = {
			listed: run.listed,
			stored: run.stored,
			alreadyKnown: run.alreadyKnown,
			refused: run.refused,
			resumed: resumedRun !== undefined,
			sinceS: run.since ?? undefined,
			crmSyncs,
			failedEvents: await countEventsOf(deps.db, correlationId, "failed"),
			correlationId,
			requests: deps.api.requests() - requestsBefore,
		};
		await saveSyncCheckpoint(
			deps.db,
			CHECKPOINT,
			{
				last: {
					...summary,
					run: run.run,
					finished_at: new Date(deps.now()).toISOString(),
				},
			},
			{ release: true },
		);
		log.info(
			{ step: "backfill", source: "stripe", outcome: "done", ...summary },
			"stripe backfill finished",
		);
		return { ran: true, summary };
	} catch (error) {
		// The position saved after the last whole page stays: the next run resumes from it.
		await releaseSyncCheckpoint(deps.db, CHECKPOINT).catch(() => undefined);
		throw error;
	}
}

/** One item of each list: the first error (a permission the key lacks, a bad key), if any. */
async function cannotRead(api: StripeApi): Promise<unknown> {
	const probes = await Promise.allSettled(
		BACKFILL_LISTS.map((list) => {
			const spec = LISTS[list];
			return api.call(spec.what, spec.need, (sdk) =>
				spec.list(sdk, { limit: 1 }),
			);
		}),
	);
	const refused = probes.find((probe) => probe.status === "rejected");
	return refused?.reason;
}

/** One list, page by page from where the run got to; each page stored, then the position saved. */
async function readList(
	deps: StripeBackfillDeps,
	list: BackfillList,
	run: RunPosition,
	context: {
		correlationId: string;
		log: Logger;
		save: () => Promise<void>;
		signal?: AbortSignal | undefined;
		pageSize?: number | undefined;
		onProgress?: ((progress: BackfillProgress) => void) | undefined;
	},
): Promise<void> {
	const spec = LISTS[list];
	const created = {
		...(run.since === null ? {} : { gte: run.since }),
		...(run.until === undefined ? {} : { lte: run.until }),
	};
	let after: string | undefined;
	for (;;) {
		context.signal?.throwIfAborted();
		const listedAtS = Math.floor(deps.now() / 1000);
		const page = await deps.api.call(spec.what, spec.need, (sdk) =>
			spec.list(sdk, {
				limit: context.pageSize ?? PAGE,
				...(Object.keys(created).length > 0 ? { created } : {}),
				...(after ? { starting_after: after } : {}),
			}),
		);
		// A page at once: the events table's group commit stores it in one or two statements.
		const outcomes = await Promise.all(
			page.data.map((object) =>
				storeStripeSnapshot(
					deps,
					object as unknown as Record<string, unknown>,
					{
						listedAtS,
						correlationId: context.correlationId,
					},
				).catch((error: unknown) => {
					if (!(error instanceof AppError)) throw error;
					context.log.warn(
						{
							step: "backfill",
							source: "stripe",
							stripe_object: object.id,
							outcome: "refused",
							err: { message: error.message },
						},
						"stripe object from the API refused",
					);
					return undefined;
				}),
			),
		);
		run.listed[list] += page.data.length;
		for (const outcome of outcomes) {
			if (outcome === undefined) run.refused += 1;
			else if (outcome.duplicate) run.alreadyKnown += 1;
			else run.stored += 1;
		}
		const last = page.data.at(-1);
		after = last?.id;
		run.until = last?.created ?? run.until;
		context.onProgress?.({ phase: list, count: run.listed[list] });
		if (!page.has_more || last === undefined) return;
		await context.save();
	}
}

/** Applies pending events until none of this run's waits; another worker may be applying some. */
async function applyAll(
	deps: StripeBackfillDeps,
	correlationId: string,
	save: () => Promise<void>,
	options: {
		signal?: AbortSignal | undefined;
		onProgress?: ((progress: BackfillProgress) => void) | undefined;
	},
): Promise<void> {
	const sleep =
		deps.sleep ??
		((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
	let applied = 0;
	for (let batches = 1; ; batches += 1) {
		options.signal?.throwIfAborted();
		const claimed = await deps.applyEvents();
		if (claimed > 0) {
			applied += claimed;
			options.onProgress?.({ phase: "apply", count: applied });
			if (batches % 20 === 0) await save();
			continue;
		}
		if ((await countEventsOf(deps.db, correlationId, "pending")) === 0) return;
		await save();
		await sleep(APPLY_POLL_MS);
	}
}
