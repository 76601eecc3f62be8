/**
 * Waking workers when work arrives: LISTEN/NOTIFY on Postgres (one dedicated connection per process),
 * a short poll on PGlite. Either way `wait` also returns after `maxMs`, so a lost notification costs
 * at most one poll interval, never lost work.
 */
import type pg from "pg";
import { pgDriver } from "./pg-driver.ts";
import { ReconnectDelay } from "./reconnect-delay.ts";

export interface Wakeup {
	/** Resolves when `channel` is notified, `maxMs` passes, or `signal` aborts. */
	wait(channel: string, maxMs: number, signal?: AbortSignal): Promise<void>;
	close(): Promise<void>;
}

/** PGlite runs in this process and has no other writers to hear from: poll every `pollMs`. */
export function pollingWakeup(pollMs = 25): Wakeup {
	return {
		wait: (_channel, maxMs, signal) => sleep(Math.min(pollMs, maxMs), signal),
		close: async () => {},
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
	const waiters = new Map<string, Set<() => void>>();
	const delay = new ReconnectDelay({ minMs: 500 });
	let client: pg.Client | undefined;
	let retry: NodeJS.Timeout | undefined;
	let closed = false;

	const wakeAll = () => {
		for (const set of waiters.values()) for (const wake of set) wake();
	};
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
			wakeAll(); // workers fall back to their own timeouts until we are listening again
			if (!closed)
				retry = setTimeout(
					() => void connect().catch((error: Error) => onError?.(error)),
					delay.next(),
				).unref();
		};
		next.on("error", lose);
		next.on("notification", (message) => {
			for (const wake of waiters.get(message.channel) ?? []) wake();
		});
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
	};
	await connect();

	return {
		wait(channel, maxMs, signal) {
			return new Promise<void>((resolve) => {
				const set = waiters.get(channel) ?? new Set();
				waiters.set(channel, set);
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
		},
		async close() {
			closed = true;
			clearTimeout(retry);
			wakeAll();
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
 * second instead of one per request (NOTIFY serialises commits server-wide). PGlite polls instead.
 */
export function wakeEventWorkers(
	db: { kind: "pg" | "pglite"; query: (text: string) => Promise<unknown> },
	delayMs = 5,
): void {
	if (db.kind !== "pg" || wakeScheduled.has(db)) return;
	wakeScheduled.add(db);
	setTimeout(() => {
		wakeScheduled.delete(db);
		// A lost wake-up costs at most one idle poll of the workers; it is never worth failing a request.
		db.query("select pg_notify('plumb_events', '')").catch(() => {});
	}, delayMs).unref();
}
