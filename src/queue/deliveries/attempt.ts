/** One attempt: build the request, call the connector within a timeout, and decide the next state. */
import {
	type BatchDelivery,
	type Connector,
	type CustomerSnapshot,
	type DeliveryOutcome,
	type DeliveryRequest,
	type Destination,
	outcome,
} from "../../core/index.ts";
import {
	type ClaimedDelivery,
	type Db,
	loadCustomerSnapshot,
	type SettleRow,
} from "../../store/index.ts";
import { nextState } from "./backoff.ts";
import type { DeliveryWorkerSettings } from "./settings.ts";

/** What to set when a destination has no connector; a replay runs the delivery once it is configured. */
export const NOT_CONFIGURED: Readonly<Record<Destination, string>> = {
	hubspot: "HubSpot is not configured: set HUBSPOT_ACCESS_TOKEN",
	zendesk:
		"Zendesk is not configured: set ZENDESK_BASE_URL, ZENDESK_EMAIL and ZENDESK_API_TOKEN",
	slack: "Slack is not configured: set SLACK_WEBHOOK_URL",
	email:
		"E-mail is not configured: set SMTP_URL, ALERT_EMAIL_TO and ALERT_EMAIL_FROM",
};

const MAX_ERROR_LENGTH = 1_000;

export interface AttemptContext {
	db: Db;
	connector: Connector | undefined;
	settings: DeliveryWorkerSettings;
	publicUrl: string;
	/** Masks configured secrets in error text before it is stored or logged. */
	scrub: (text: string) => string;
	now: () => number;
	random: () => number;
	/** Aborts calls in flight when a draining worker runs out of time. */
	stopCalls: AbortSignal;
	/** Local time after which this claim's lease may already be someone else's: do not call then. */
	leaseDeadline: number;
}

export interface AttemptResult {
	row: SettleRow;
	/** Undefined when no connector was called (not configured, lease already gone). */
	outcome: DeliveryOutcome | undefined;
}

export async function runAttempt(
	delivery: ClaimedDelivery,
	context: AttemptContext,
): Promise<AttemptResult> {
	const startedAt = new Date(context.now());
	if (context.connector === undefined) {
		return {
			outcome: undefined,
			row: {
				...base(delivery, startedAt),
				status: "skipped",
				outcome: "skipped",
				error: NOT_CONFIGURED[delivery.destination],
			},
		};
	}
	const prepared = await prepare(delivery, context);
	const connector = context.connector;
	const result =
		prepared.kind === "outcome"
			? prepared.outcome
			: context.now() >= context.leaseDeadline
				? outcome.retry("the lease ran out before the call started")
				: await bounded(
						(signal) =>
							connector.deliver(request(delivery, prepared.customer), signal),
						(reason) => outcome.retry(reason),
						context,
					);
	const latencyMs =
		prepared.kind === "outcome" ? null : context.now() - startedAt.getTime();
	return {
		row: rowFor(delivery, result, startedAt, latencyMs, context),
		outcome: result,
	};
}

/**
 * One call carrying several deliveries of a destination that takes batches: each is prepared on
 * its own (a CRM sync reads its customer now), those ready go out in one `deliverMany`, and each
 * gets its own outcome and next state from its own budget.
 */
export async function runBatchAttempt(
	deliveries: readonly ClaimedDelivery[],
	batch: BatchDelivery,
	context: AttemptContext,
): Promise<AttemptResult[]> {
	const startedAt = new Date(context.now());
	const results: Array<DeliveryOutcome | undefined> = [];
	const ready: Array<{ index: number; request: DeliveryRequest }> = [];
	for (const [index, delivery] of deliveries.entries()) {
		const prepared = await prepare(delivery, context);
		if (prepared.kind === "outcome") results[index] = prepared.outcome;
		else ready.push({ index, request: request(delivery, prepared.customer) });
	}
	let latencyMs: number | null = null;
	if (ready.length > 0) {
		const sent =
			context.now() >= context.leaseDeadline
				? ready.map(() =>
						outcome.retry("the lease ran out before the call started"),
					)
				: await bounded(
						(signal) =>
							batch.deliverMany(
								ready.map((item) => item.request),
								signal,
							),
						(reason) => ready.map(() => outcome.retry(reason)),
						context,
					);
		latencyMs = context.now() - startedAt.getTime();
		for (const [i, item] of ready.entries())
			results[item.index] =
				sent[i] ??
				outcome.retry(
					`connector error: ${sent.length} outcomes for ${ready.length} deliveries`,
				);
	}
	return deliveries.map((delivery, index) => {
		const result =
			results[index] ??
			outcome.retry("no outcome was recorded for this delivery");
		const called = ready.some((item) => item.index === index);
		return {
			row: rowFor(
				delivery,
				result,
				startedAt,
				called ? latencyMs : null,
				context,
			),
			outcome: result,
		};
	});
}

/** An attempt's outcome → the row that settles it: the next state from the delivery's own budget. */
function rowFor(
	delivery: ClaimedDelivery,
	result: DeliveryOutcome,
	startedAt: Date,
	latencyMs: number | null,
	context: AttemptContext,
): SettleRow {
	const transition = nextState(
		result,
		{
			attempts: delivery.attempts,
			budgetAttempts: delivery.budget_attempts,
			budgetStartedAt: delivery.budget_started_at,
			permanentFailures: delivery.permanent_failures,
		},
		context.settings,
		context.now(),
		context.random,
	);
	const row: SettleRow = {
		...base(delivery, startedAt),
		latencyMs,
		httpStatus: result.httpStatus ?? null,
	};
	if (transition.status === "succeeded") {
		row.status = "succeeded";
		row.outcome = "succeeded";
		row.externalRef = transition.externalRef ?? null;
	} else {
		row.status = transition.status;
		row.outcome = transition.permanent ? "permanent" : "retry";
		row.permanent = transition.permanent;
		row.error = clip(context.scrub(transition.error));
		row.delayMs =
			transition.status === "retry_pending" ? transition.delayMs : null;
	}
	return row;
}

function request(
	delivery: ClaimedDelivery,
	customer: CustomerSnapshot | undefined,
): DeliveryRequest {
	return {
		id: delivery.id,
		destination: delivery.destination,
		action: delivery.action,
		idempotencyKey: delivery.idempotency_key,
		attempt: delivery.attempts,
		payload: delivery.payload,
		customer,
		externalRef: delivery.external_ref ?? undefined,
	};
}

/** A claimed delivery handed back unsent (shutdown, a paused destination): due again after `delayMs`. */
export function releasedRow(
	delivery: ClaimedDelivery,
	delayMs: number,
	error: string,
	now: number,
): SettleRow {
	return {
		...base(delivery, new Date(now)),
		status: "retry_pending",
		outcome: "retry",
		delayMs,
		error,
	};
}

function base(delivery: ClaimedDelivery, startedAt: Date): SettleRow {
	return {
		id: delivery.id,
		token: delivery.attempts,
		status: "skipped",
		delayMs: null,
		error: null,
		httpStatus: null,
		externalRef: null,
		outcome: "skipped",
		permanent: false,
		startedAt,
		latencyMs: null,
	};
}

type Prepared =
	| { kind: "ready"; customer: CustomerSnapshot | undefined }
	| { kind: "outcome"; outcome: DeliveryOutcome };

/** A CRM sync pushes the customer as they are now, read at send time (never when it was queued). */
async function prepare(
	delivery: ClaimedDelivery,
	context: AttemptContext,
): Promise<Prepared> {
	if (delivery.action !== "crm_sync")
		return { kind: "ready", customer: undefined };
	if (delivery.customer_id === null)
		return {
			kind: "outcome",
			outcome: outcome.permanent(
				"a CRM sync needs a customer, and this one has none",
			),
		};
	try {
		const customer = await loadCustomerSnapshot(
			context.db,
			delivery.customer_id,
			context.publicUrl,
		);
		return customer === undefined
			? {
					kind: "outcome",
					outcome: outcome.permanent(
						`customer ${delivery.customer_id} not found`,
					),
				}
			: { kind: "ready", customer };
	} catch (error) {
		return {
			kind: "outcome",
			outcome: outcome.retry(
				`could not read the customer: ${messageOf(error)}`,
			),
		};
	}
}

/**
 * The call is bounded twice: the signal tells the connector to stop, and the race stops waiting for
 * one that ignores it. A thrown error is a bug, not a vendor verdict: retried, never lost.
 */
async function bounded<T>(
	run: (signal: AbortSignal) => Promise<T>,
	failed: (reason: string) => T,
	context: AttemptContext,
): Promise<T> {
	const controller = new AbortController();
	const timeoutMs = context.settings.timeoutMs;
	const timer = setTimeout(
		() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)),
		timeoutMs,
	);
	const onStop = () =>
		controller.abort(new Error("the worker stopped during the call"));
	if (context.stopCalls.aborted) onStop();
	else context.stopCalls.addEventListener("abort", onStop, { once: true });
	const aborted = new Promise<T>((resolve) => {
		const settle = () => resolve(failed(messageOf(controller.signal.reason)));
		if (controller.signal.aborted) settle();
		else controller.signal.addEventListener("abort", settle, { once: true });
	});
	try {
		return await Promise.race([
			run(controller.signal).catch((error: unknown) =>
				failed(`connector error: ${messageOf(error)}`),
			),
			aborted,
		]);
	} finally {
		clearTimeout(timer);
		context.stopCalls.removeEventListener("abort", onStop);
	}
}

function clip(text: string): string {
	return text.length > MAX_ERROR_LENGTH
		? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…`
		: text;
}

export function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
