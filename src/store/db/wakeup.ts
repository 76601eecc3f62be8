/**
 * Waking workers when work arrives: LISTEN/NOTIFY on Postgres (one dedicated connection per process),
 * PGlite's own LISTEN in the embedded engine. Either way `wait` also returns after `maxMs` (the
 * workers' safety sweep), so a lost notification delays work by at most that, never loses it.
 */
import type pg from "pg";
import type { Db } from "./db.ts";
import { pgDriver } from "./pg-driver.ts";
import { ReconnectDelay } from "./reconnect-delay.ts";

export interface Wakeup {
	/** Resolves when `channel` is notified, `maxMs` passes, or `signal` aborts. */
	wait(channel: string, maxMs: number, signal?: AbortSignal): Promise<void>;
	close(): Promise<void>;
}

/** A wake-up that hears nothing: every wait runs at most `pollMs` (tests that want a steady poll). */
export function pollingWakeup(pollMs = 25): Wakeup {
	return {
		wait: (_channel, maxMs, signal) => sleep(Math.min(pollMs, maxMs), signal),
		close: async () => {},
	};
}

/** The waits in progress, per channel: what both wake-ups share. */
class Waiters {
	readonly #byChannel = new Map<string, Set<() => void>>();

	wait(channel: string, maxMs: number, signal?: AbortSignal): Promise<void> {
		return new Promise<void>((resolve) => {
			const set = this.#byChannel.get(channel) ?? new Set();
			this.#byChannel.set(channel, set);
			const done = () => {
				clearTimeout(timer);
				set.delete(done);
				signal?.removeEventListener("abort", done);
				resolve();
			};
			const timer = setTimeout(done, maxMs);
			signal?.addEventListener("abort", done, { once: true });
			set.add(done);
		});
	}

	wake(channel: string): void {
		for (const done of this.#byChannel.get(channel) ?? []) done();
	}

	wakeAll(): void {
		for (const channel of this.#byChannel.keys()) this.wake(channel);
	}
}

/**
 * The embedded engine's own LISTEN: the NOTIFYs that wake Postgres workers (the deliveries trigger,
 * `wakeEventWorkers`) reach the workers in this process the moment they commit, so an idle worker
 * polls nothing. Falls back to `pollingWakeup` for a Db without `listen`.
 */
export async function embeddedWakeup(
	db: Db,
	channels: readonly string[],
	fallbackPollMs = 50,
): Promise<Wakeup> {
	const listen = db.listen?.bind(db);
	if (!listen) return pollingWakeup(fallbackPollMs);
	const waiters = new Waiters();
	const unlisten = await Promise.all(
		channels.map((channel) => listen(channel, () => waiters.wake(channel))),
	);
	return {
		wait: (channel, maxMs, signal) => waiters.wait(channel, maxMs, signal),
		async close() {
			waiters.wakeAll();
			// The engine may already be closed at shutdown; there is nothing left to unlisten then.
			await Promise.all(unlisten.map((stop) => stop().catch(() => {})));
		},
	};
}

/**
 * Resolves once the first LISTEN attempt is over, whether or not it connected: a database that is
 * away (or goes away later) costs polling at the workers' own timeouts, retried with backoff until
 * it is back, never an error.
 */
export async function listeningWakeup(
	connectionString: string,
	channels: readonly string[],
	onError?: (error: Error) => void,
): Promise<Wakeup> {
	const waiters = new Waiters();
	const delay = new ReconnectDelay({ minMs: 500 });
	let client: pg.Client | undefined;
	let retry: NodeJS.Timeout | undefined;
	let closed = false;

	const connect = async (): Promise<void> => {
		const next = new (pgDriver().Client)({
			connectionString,
			application_name: "plumb-listen",
		});
		let lost = false;
		const lose = (error: Error) => {
			if (lost) return; // a dying connection can report twice (the error, then the closed socket)
			lost = true;
			onError?.(error);
			if (client === next) client = undefined;
			void next.end().catch(() => {});
			waiters.wakeAll(); // workers fall back to their own timeouts until we are listening again
			if (!closed)
				retry = setTimeout(
					() => void connect().catch((error: Error) => onError?.(error)),
					delay.next(),
				).unref();
		};
		next.on("error", lose);
		next.on("notification", (message) => waiters.wake(message.channel));
		try {
			await next.connect();
			for (const channel of channels)
				await next.query(`listen ${pgDriver().escapeIdentifier(channel)}`);
		} catch (error) {
			lose(error instanceof Error ? error : new Error(String(error)));
			return;
		}
		if (closed || lost) {
			await next.end().catch(() => {});
			return;
		}
		client = next;
		delay.reset();
		// What was notified while nobody listened is not replayed: every worker looks once now.
		waiters.wakeAll();
	};
	await connect();

	return {
		wait: (channel, maxMs, signal) => waiters.wait(channel, maxMs, signal),
		async close() {
			closed = true;
			clearTimeout(retry);
			waiters.wakeAll();
			await client?.end().catch(() => {});
		},
	};
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal?.aborted) return resolve();
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener("abort", done);
			resolve();
		}
		signal?.addEventListener("abort", done, { once: true });
	});
}

const wakeScheduled = new WeakSet<object>();

/**
 * Tells event workers (LISTEN plumb_events) that new events are stored. Call it after the insert has
 * committed. Calls within `delayMs` share one NOTIFY, so a webhook burst costs a few notifications a
 * second instead of one per request (NOTIFY serialises commits server-wide). On PGlite the same
 * NOTIFY reaches the workers in this process (`embeddedWakeup`).
 */
export function wakeEventWorkers(
	db: { kind: "pg" | "pglite"; query: (text: string) => Promise<unknown> },
	delayMs = 5,
): void {
	if (wakeScheduled.has(db)) return;
	wakeScheduled.add(db);
	setTimeout(() => {
		wakeScheduled.delete(db);
		// A lost wake-up costs at most one safety sweep of the workers; never worth failing a request.
		db.query("select pg_notify('plumb_events', '')").catch(() => {});
	}, delayMs).unref();
}
