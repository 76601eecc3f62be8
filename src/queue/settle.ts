/**
 * Settling attempts, fenced and batched: whatever finishes while one batch is being written goes in
 * the next (group commit), so a busy worker writes many results per statement and an idle one
 * writes each at once.
 */
import type { DeliveryOutcome } from "../core/index.ts";
import { type Logger, type Metrics, userHash } from "../observability/index.ts";
import {
	type ClaimedDelivery,
	type Db,
	ReconnectDelay,
	type SettledDelivery,
	type SettleRow,
	settleDeliveries,
	sleep,
	waitingCrmSyncs,
} from "../store/index.ts";
import { raiseDeadLetter } from "./alerts/index.ts";
import { messageOf } from "./attempt.ts";
import { retryConflicts } from "./loop.ts";
import { isWaitingCrmSyncConflict } from "./sql-retry.ts";

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
		const { db } = this.#deps;
		let settled: SettledDelivery[] = [];
		let rows: SettleRow[] = [];
		for (let tries = 1; ; tries++) {
			rows = await supersedeWaitingCrmSyncs(db, items);
			try {
				settled = await retryConflicts(() =>
					rows.some((row) => row.status === "dead")
						? db.transaction(async (tx) => {
								const done = await settleDeliveries(tx, rows);
								for (const d of done)
									if (d.status === "dead")
										await raiseDeadLetter(tx, d, this.#deps.publicUrl);
								return done;
							})
						: settleDeliveries(db, rows),
				);
				break;
			} catch (error) {
				// A newer CRM sync was queued between our check and our write: check again.
				if (!isWaitingCrmSyncConflict(error) || tries >= 10) throw error;
			}
		}
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
 * At most one CRM sync waits per customer (a unique index): one going back to wait beside a newer
 * waiting sync, or beside another in the same batch, is skipped instead: the one that waits pushes
 * the customer's current truth when it runs. Returns the rows to write (the items stay as they were,
 * so a second look after a conflict starts from the attempts' own results).
 */
async function supersedeWaitingCrmSyncs(
	db: Db,
	items: readonly PendingSettle[],
): Promise<SettleRow[]> {
	const rows = items.map((item) => ({ ...item.row }));
	const retrying = rows
		.map((row, index) => ({
			row,
			delivery: (items[index] as PendingSettle).delivery,
		}))
		.filter(
			({ row, delivery }) =>
				row.status === "retry_pending" &&
				delivery.action === "crm_sync" &&
				delivery.customer_id !== null,
		)
		// Newest first (UUIDv7 ids sort by creation): the newest one of a customer keeps waiting.
		.sort((a, b) => (a.row.id < b.row.id ? 1 : -1));
	if (retrying.length === 0) return rows;
	const waiting = await waitingCrmSyncs(
		db,
		[
			...new Set(
				retrying.map(({ delivery }) => delivery.customer_id as string),
			),
		],
		retrying.map(({ row }) => row.id),
	);
	for (const { row, delivery } of retrying) {
		const customer = delivery.customer_id as string;
		const newer = waiting.get(customer);
		if (newer === undefined) {
			waiting.set(customer, row.id);
			continue;
		}
		row.status = "skipped";
		row.delayMs = null;
		row.error = `superseded by ${newer}`;
	}
	return rows;
}
