/** Load generators for loopback benchmarks: closed-loop (autocannon, max throughput) and open-loop (paced by a schedule). */
import { Agent, request } from "node:http";
import autocannon from "autocannon";

export interface Outgoing {
	body: string;
	headers: Record<string, string>;
}

export interface LoadResult {
	/** Requests that got any HTTP response. */
	completed: number;
	elapsedMs: number;
	/** completed / elapsed. */
	throughput: number;
	/** Every response's latency in ms (all statuses), in completion order. */
	latenciesMs: number[];
	/** Responses by status code. */
	statuses: Record<number, number>;
	/** Connection errors and timeouts: requests that never got a response. */
	errors: number;
}

/** Benchmarks must never point at anything but this machine. */
export function assertLoopback(url: string): URL {
	const parsed = new URL(url);
	if (!["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname))
		throw new Error(`refusing to load-test a non-loopback address: ${url}`);
	return parsed;
}

export const count2xx = (statuses: Record<number, number>): number =>
	Object.entries(statuses).reduce(
		(sum, [code, n]) => (code.startsWith("2") ? sum + n : sum),
		0,
	);

/**
 * Closed loop: `connections` keep-alive sockets, each sending its next request as soon as the last
 * answers; exactly `amount` requests (so every one completes and row counts can be checked), with
 * `maxSeconds` as a hard stop. `next()` hands out each request's body and headers.
 */
export async function closedLoop(options: {
	url: string;
	method?: "POST" | "GET";
	connections: number;
	amount: number;
	maxSeconds: number;
	next: () => Outgoing;
}): Promise<LoadResult> {
	const base = assertLoopback(options.url);
	const latenciesMs: number[] = [];
	const statuses: Record<number, number> = {};
	const started = performance.now();
	let hardStop: NodeJS.Timeout | undefined;
	const result = await new Promise<autocannon.Result>((resolve, reject) => {
		const instance = autocannon(
			{
				url: base.origin,
				connections: options.connections,
				pipelining: 1,
				amount: options.amount,
				timeout: 10,
				requests: [
					{
						method: options.method ?? "POST",
						path: base.pathname,
						setupRequest: (req) => ({ ...req, ...options.next() }),
					},
				],
			},
			(error, finished) => (error ? reject(error) : resolve(finished)),
		);
		// autocannon's own histogram keeps whole milliseconds; this listener keeps the exact figures.
		instance.on("response", (_client, statusCode, _bytes, responseTime) => {
			latenciesMs.push(responseTime);
			statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
		});
		hardStop = setTimeout(() => instance.stop(), options.maxSeconds * 1000);
	});
	clearTimeout(hardStop);
	const elapsedMs = performance.now() - started;
	return {
		completed: latenciesMs.length,
		elapsedMs,
		throughput: (latenciesMs.length / elapsedMs) * 1000,
		latenciesMs,
		statuses,
		errors: result.errors,
	};
}

/**
 * Full speed, sized by time but counted in requests: a warm-up of `warmupSeconds` (JIT, pool
 * connections, database caches) measures the rate, which sizes the measured run to about
 * `seconds`; the measured run sends that exact count so every request completes and can be
 * matched against what the server stored. `feed(phase, premade)` supplies each phase's requests.
 */
export async function maxThroughput(options: {
	url: string;
	connections: number;
	seconds: number;
	warmupSeconds: number;
	feed: (phase: "warmup" | "measure", premade: number) => () => Outgoing;
	/** Told the measured size before the measured run starts. */
	onWarm?: (warmup: LoadResult, amount: number) => void;
	maxAmount?: number;
}): Promise<LoadResult> {
	const { url, connections, seconds, warmupSeconds } = options;
	const warmup = await closedLoop({
		url,
		connections,
		amount: 10_000_000,
		maxSeconds: warmupSeconds,
		next: options.feed("warmup", Math.ceil(warmupSeconds * 2_000)),
	});
	const amount = Math.min(
		options.maxAmount ?? 60_000,
		Math.max(connections * 20, Math.round(warmup.throughput * seconds)),
	);
	options.onWarm?.(warmup, amount);
	return closedLoop({
		url,
		connections,
		amount,
		maxSeconds: seconds * 3,
		next: options.feed("measure", amount),
	});
}

/**
 * Open loop: request i leaves at `startMs[i]` after the start whether or not earlier ones have
 * answered, so a slow server queues requests instead of slowing the generator down (no
 * coordinated omission). Latency runs from the moment the request is handed to node:http, which
 * includes waiting for a free socket. `onBody` sees each response body (e.g. to count duplicates).
 */
export async function openLoop(options: {
	url: string;
	startMs: readonly number[];
	next: () => Outgoing;
	maxSockets?: number;
	timeoutMs?: number;
	/** Stop sending after this long (default: twice the schedule plus 5 s), so an overwhelmed server cannot stretch the run. */
	maxSeconds?: number;
	onBody?: (status: number, body: string) => void;
}): Promise<LoadResult & { maxLagMs: number; unsent: number }> {
	const target = assertLoopback(options.url);
	const agent = new Agent({
		keepAlive: true,
		maxSockets: options.maxSockets ?? 64,
	});
	const latenciesMs: number[] = [];
	const statuses: Record<number, number> = {};
	let errors = 0;
	let maxLagMs = 0;
	let pending = 0;
	const total = options.startMs.length;
	const started = performance.now();
	let finish = (): void => {};
	const done = new Promise<void>((resolve) => {
		finish = resolve;
	});
	const settle = () => {
		pending--;
		if (pending === 0 && stopped) finish();
	};
	const send = () => {
		const { body, headers } = options.next();
		const begun = performance.now();
		pending++;
		// Exactly once per request, however it ends (answer, error, or error after a partial answer).
		let over = false;
		const fail = () => {
			if (over) return;
			over = true;
			errors++;
			settle();
		};
		const req = request(
			{
				agent,
				host: target.hostname,
				port: target.port,
				path: target.pathname,
				method: "POST",
				headers: {
					...headers,
					"content-length": String(Buffer.byteLength(body)),
				},
				timeout: options.timeoutMs ?? 10_000,
			},
			(res) => {
				const chunks: Buffer[] = [];
				if (options.onBody)
					res.on("data", (chunk: Buffer) => chunks.push(chunk));
				else res.resume();
				res.on("error", fail);
				res.on("end", () => {
					if (over) return;
					over = true;
					latenciesMs.push(performance.now() - begun);
					const status = res.statusCode ?? 0;
					statuses[status] = (statuses[status] ?? 0) + 1;
					options.onBody?.(status, Buffer.concat(chunks).toString("utf8"));
					settle();
				});
			},
		);
		req.on("timeout", () => req.destroy(new Error("timeout")));
		req.on("error", fail);
		req.end(body);
	};
	let sent = 0;
	const deadlineMs =
		(options.maxSeconds ?? ((options.startMs.at(-1) ?? 0) * 2) / 1000 + 5) *
		1000;
	// A 1 ms timer is as fine as Node schedules; each tick sends everything that has come due.
	let stopped = false;
	await new Promise<void>((resolve) => {
		const tick = () => {
			const now = performance.now() - started;
			while (sent < total && (options.startMs[sent] as number) <= now) {
				maxLagMs = Math.max(maxLagMs, now - (options.startMs[sent] as number));
				sent++;
				send();
			}
			if (sent < total && now < deadlineMs) setTimeout(tick, 1);
			else {
				stopped = true;
				resolve();
			}
		};
		tick();
	});
	if (pending > 0) await done;
	const elapsedMs = performance.now() - started;
	agent.destroy();
	return {
		completed: latenciesMs.length,
		elapsedMs,
		throughput: (latenciesMs.length / elapsedMs) * 1000,
		latenciesMs,
		statuses,
		errors,
		maxLagMs,
		unsent: total - sent,
	};
}

/** Start offsets for `count` requests evenly spaced at `perSecond`, in `burst`-sized groups sent together. */
export function evenSchedule(
	count: number,
	perSecond: number,
	burst = 1,
): number[] {
	const gapMs = (1000 / perSecond) * burst;
	return Array.from({ length: count }, (_, i) => Math.floor(i / burst) * gapMs);
}
