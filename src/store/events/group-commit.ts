/**
 * Group commit for the webhook routes: events that arrive while a statement is in flight wait for
 * the next one, which stores them all in one multi-row insert. Each request is still answered only
 * after the statement holding its own row has committed (the statement is its own transaction), so
 * durability is what one insert per request gave, at a fraction of the round trips under load; an
 * idle server writes a lone event at once.
 */
import type { NewEvent } from "../../core/index.ts";
import { type Db, isDatabaseUnavailable } from "../db/index.ts";
import { type InsertResult, insertEvents } from "./events.ts";

/** Rows per statement: 800 parameters, far below Postgres's 65,535. */
const MAX_BATCH = 100;
/** Statements in flight at once per database; two keeps the connection busy while one commits. */
const MAX_IN_FLIGHT = 2;

interface Waiter {
	event: NewEvent;
	resolve: (result: InsertResult) => void;
	reject: (error: unknown) => void;
}

class GroupCommit {
	readonly #db: Db;
	#waiting: Waiter[] = [];
	#inFlight = 0;

	constructor(db: Db) {
		this.#db = db;
	}

	store(event: NewEvent): Promise<InsertResult> {
		return new Promise((resolve, reject) => {
			this.#waiting.push({ event, resolve, reject });
			this.#flush();
		});
	}

	#flush(): void {
		while (this.#inFlight < MAX_IN_FLIGHT && this.#waiting.length > 0) {
			const batch = this.#waiting.splice(0, MAX_BATCH);
			this.#inFlight++;
			void this.#write(batch).finally(() => {
				this.#inFlight--;
				this.#flush();
			});
		}
	}

	async #write(batch: Waiter[]): Promise<void> {
		let results: InsertResult[];
		try {
			results = await insertEvents(
				this.#db,
				batch.map((waiter) => waiter.event),
			);
		} catch (error) {
			// A lost database fails every request in the statement alike (each answers 503). Any
			// other failure is retried one event at a time, so one odd row cannot fail its neighbours.
			if (batch.length === 1 || isDatabaseUnavailable(error)) {
				for (const waiter of batch) waiter.reject(error);
				return;
			}
			await Promise.all(batch.map((waiter) => this.#writeAlone(waiter)));
			return;
		}
		for (const [i, waiter] of batch.entries())
			waiter.resolve(results[i] as InsertResult);
	}

	async #writeAlone(waiter: Waiter): Promise<void> {
		try {
			const [result] = await insertEvents(this.#db, [waiter.event]);
			waiter.resolve(result as InsertResult);
		} catch (error) {
			waiter.reject(error);
		}
	}
}

const perDb = new WeakMap<Db, GroupCommit>();

/** Stores a webhook's event exactly once, in the next group commit on `db`; see the file comment. */
export function storeEvent(db: Db, event: NewEvent): Promise<InsertResult> {
	let group = perDb.get(db);
	if (!group) {
		group = new GroupCommit(db);
		perDb.set(db, group);
	}
	return group.store(event);
}
