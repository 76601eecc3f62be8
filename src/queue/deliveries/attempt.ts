/** One attempt: build the request, call the connector within a timeout, and decide the next state. */
import {
	type Connector,
	type CustomerSnapshot,
	type DeliveryOutcome,
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
	const result =
		prepared.kind === "outcome"
			? prepared.outcome
			: context.now() >= context.leaseDeadline
				? outcome.retry("the lease ran out before the call started")
				: await call(context.connector, delivery, prepared.customer, context);
	const latencyMs =
		prepared.kind === "outcome" ? null : context.now() - startedAt.getTime();
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
	return { row, outcome: result };
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
async function call(
	connector: Connector,
	delivery: ClaimedDelivery,
	customer: CustomerSnapshot | undefined,
	context: AttemptContext,
): Promise<DeliveryOutcome> {
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
	const aborted = new Promise<DeliveryOutcome>((resolve) => {
		const settle = () =>
			resolve(outcome.retry(messageOf(controller.signal.reason)));
		if (controller.signal.aborted) settle();
		else controller.signal.addEventListener("abort", settle, { once: true });
	});
	try {
		return await Promise.race([
			connector
				.deliver(
					{
						id: delivery.id,
						destination: delivery.destination,
						action: delivery.action,
						idempotencyKey: delivery.idempotency_key,
						attempt: delivery.attempts,
						payload: delivery.payload,
						customer,
						externalRef: delivery.external_ref ?? undefined,
					},
					controller.signal,
				)
				.catch((error: unknown) =>
					outcome.retry(`connector error: ${messageOf(error)}`),
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
