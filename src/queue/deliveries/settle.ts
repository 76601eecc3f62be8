/**
 * Settling attempts, fenced and batched: whatever finishes while one batch is being written goes in
 * the next (group commit), so a busy worker writes many results per statement and an idle one
 * writes each at once.
 */
import type { DeliveryOutcome } from "../../core/index.ts";
import {
	type Logger,
	type Metrics,
	userHash,
} from "../../observability/index.ts";
import {
	type ClaimedDelivery,
	type Db,
	ReconnectDelay,
	recordTicketRefs,
	type SettledDelivery,
	type SettleRow,
	settleDeliveries,
	sleep,
} from "../../store/index.ts";
import { raiseDeadLetter } from "../alerts/index.ts";
import { skipSupersededRetries, withCrmSyncRetry } from "../crm-sync-policy.ts";
import { messageOf } from "./attempt.ts";

export interface PendingSettle {
	row: SettleRow;
	delivery: ClaimedDelivery;
	outcome: DeliveryOutcome | undefined;
}

export interface SettlerDeps {
	db: Db;
	logger: Logger;
	metrics: Metrics;
	publicUrl: string;
	now: () => number;
	onSettled?: ((ids: readonly string[]) => void) | undefined;
}

const MAX_BATCH = 500;

export class Settler {
	readonly #deps: SettlerDeps;
	#queue: Array<{ item: PendingSettle; done: () => void }> = [];
	#running: Promise<void> | undefined;
	#giveUpAt = Number.POSITIVE_INFINITY;

	constructor(deps: SettlerDeps) {
		this.#deps = deps;
	}

	/** Results waiting to be written. */
	get backlog(): number {
		return this.#queue.length;
	}

	/** Resolves once the result is written, or refused because the claim was fenced. */
	submit(item: PendingSettle): Promise<void> {
		return new Promise<void>((done) => {
			this.#queue.push({ item, done });
			this.#running ??= this.#drain().finally(() => {
				this.#running = undefined;
			});
		});
	}

	/** Writes what is queued, retrying a failing database until `deadline` (epoch ms), then drops the rest. */
	async close(deadline: number): Promise<void> {
		this.#giveUpAt = deadline;
		await this.#running;
	}

	async #drain(): Promise<void> {
		// Results that arrive in the same tick share the first batch.
		await Promise.resolve();
		const delay = new ReconnectDelay();
		while (this.#queue.length > 0) {
			const batch = this.#queue.slice(0, MAX_BATCH);
			try {
				await this.#write(batch.map((entry) => entry.item));
				this.#queue.splice(0, batch.length);
				for (const entry of batch) entry.done();
				delay.reset();
			} catch (error) {
				// The database is unreachable: keep the results (the leases keep the rows) and try again.
				this.#deps.logger.warn(
					{
						step: "deliver",
						outcome: "settle_failed",
						err: { message: messageOf(error) },
					},
					"could not record delivery results; retrying",
				);
				if (this.#deps.now() >= this.#giveUpAt) {
					const dropped = this.#queue.splice(0);
					this.#deps.logger.error(
						{
							step: "deliver",
							outcome: "settle_dropped",
							count: dropped.length,
						},
						"gave up recording delivery results; their leases will expire and another worker retries them",
					);
					for (const entry of dropped) entry.done();
					return;
				}
				await sleep(delay.next());
			}
		}
	}

	async #write(items: PendingSettle[]): Promise<void> {
		const { db, publicUrl } = this.#deps;
		let rows: SettleRow[] = [];
		// A newer CRM sync queued between the check and the write is a conflict: look again.
		const settled = await withCrmSyncRetry(async () => {
			rows = await skipSupersededRetries(db, items);
			return writeSettles(db, items, rows, publicUrl);
		});
		this.#report(items, rows, settled);
	}

	#report(
		items: PendingSettle[],
		rows: SettleRow[],
		settled: SettledDelivery[],
	): void {
		const { logger, metrics } = this.#deps;
		const landed = new Map(settled.map((d) => [d.id, d]));
		for (const [index, { delivery }] of items.entries()) {
			const row = rows[index] as SettleRow;
			const result = landed.get(row.id);
			const fenced = result === undefined || result.attempts !== row.token;
			const outcome = fenced ? "fenced" : row.outcome;
			metrics.deliveryAttempts.inc({
				destination: delivery.destination,
				outcome,
			});
			const line = {
				correlation_id: delivery.correlation_id ?? delivery.id,
				step: "deliver",
				delivery_id: delivery.id,
				destination: delivery.destination,
				action: delivery.action,
				user_hash: userHash(delivery.customer_id),
				attempt: row.token,
				outcome,
				status: fenced ? undefined : row.status,
				latency_ms: row.latencyMs ?? undefined,
				http_status: row.httpStatus ?? undefined,
				reason: row.error ?? undefined,
				retry_in_ms: row.status === "retry_pending" ? row.delayMs : undefined,
			};
			if (fenced) {
				logger.warn(
					line,
					"settle refused: the lease was lost and another attempt owns this delivery",
				);
				continue;
			}
			metrics.deliveriesSettled.inc({
				destination: delivery.destination,
				status: row.status,
			});
			if (row.latencyMs !== null)
				metrics.deliveryDuration.observe(
					{ destination: delivery.destination },
					row.latencyMs / 1000,
				);
			if (result.sync_seconds !== null)
				metrics.syncLatency.observe(
					{ destination: delivery.destination },
					result.sync_seconds,
				);
			if (row.status === "dead") logger.warn(line, "delivery is dead");
			else logger.info(line, "delivery attempt");
		}
		this.#deps.onSettled?.(settled.map((d) => d.id));
	}
}

/**
 * One fenced statement, or a transaction when a landed row has more to write: a confirmed ticket
 * learns its helpdesk id, a dead delivery raises its dead letter. Fenced rows write nothing.
 */
async function writeSettles(
	db: Db,
	items: readonly PendingSettle[],
	rows: readonly SettleRow[],
	publicUrl: string,
): Promise<SettledDelivery[]> {
	const confirmsTicket = rows.some(
		(row, index) =>
			row.status === "succeeded" &&
			items[index]?.delivery.action === "create_ticket",
	);
	if (!confirmsTicket && !rows.some((row) => row.status === "dead"))
		return settleDeliveries(db, rows);
	return db.transaction(async (tx) => {
		const done = await settleDeliveries(tx, rows);
		await recordTicketRefs(
			tx,
			done
				.filter((d) => d.status === "succeeded" && d.action === "create_ticket")
				.map((d) => d.id),
		);
		for (const d of done)
			if (d.status === "dead") await raiseDeadLetter(tx, d, publicUrl);
		return done;
	});
}
