import { describe, expect, it } from "vitest";
import { captureLogs } from "../../test/support/app.ts";
import { createLogger } from "../observability/index.ts";
import type { Wakeup } from "../store/index.ts";
import {
	type LoopOptions,
	type PassResult,
	retryConflicts,
	startLoop,
} from "./loop.ts";

const unavailable = () =>
	Object.assign(new Error("connection terminated unexpectedly"), {
		code: "08006",
	});
const fault = () => new Error("a bug in the pass");
const conflict = () =>
	Object.assign(new Error("could not serialize access"), { code: "40001" });

/** Idle waits at least this long are held until stop() or wake(), so a finished script stays put. */
const HOLD_MS = 60_000;

/** A clock that backoff pauses move forward at once, and the pauses asked for. */
function fakeTime() {
	let clock = 0;
	const pauses: number[] = [];
	const sleep = (ms: number, signal: AbortSignal) =>
		new Promise<void>((resolve) => {
			pauses.push(ms);
			if (ms >= HOLD_MS) {
				if (signal.aborted) resolve();
				signal.addEventListener("abort", () => resolve(), { once: true });
				return;
			}
			clock += ms;
			setImmediate(resolve);
		});
	return { now: () => clock, sleep, pauses };
}

function logs() {
	const { stream, lines } = captureLogs();
	const logger = createLogger({
		level: "debug",
		secretValues: [],
		destination: stream,
	});
	const parsed = () =>
		lines.map((line) => JSON.parse(line) as Record<string, unknown>);
	return { logger, parsed };
}

/** A pass that plays `script` (errors are thrown), then idles for good; `done` resolves at its end. */
function scripted(script: Array<Error | PassResult>) {
	let calls = 0;
	let finish = () => {};
	const done = new Promise<void>((resolve) => {
		finish = resolve;
	});
	const pass = async (): Promise<PassResult> => {
		const step = script[calls++];
		if (step === undefined) {
			finish();
			return { idleMs: HOLD_MS };
		}
		if (step instanceof Error) throw step;
		return step;
	};
	return { pass, done, calls: () => calls };
}

function loopWith(pass: LoopOptions["pass"], extra: Partial<LoopOptions> = {}) {
	const time = fakeTime();
	const log = logs();
	const loop = startLoop({
		name: "test worker",
		step: "test",
		pass,
		logger: log.logger,
		now: time.now,
		sleep: time.sleep,
		random: () => 1,
		...extra,
	});
	return { loop, time, log };
}

describe("startLoop", () => {
	it("backs off longer on each failed pass and starts over after a good one", async () => {
		const script = scripted([
			unavailable(),
			unavailable(),
			unavailable(),
			"more",
			unavailable(),
			fault(),
			fault(),
			fault(),
			{ idleMs: 30 },
			fault(),
		]);
		const { loop, time, log } = loopWith(script.pass);
		await script.done;
		await loop.stop();
		// Database away: 100 ms doubling (jitter pinned high); a bug: 250 ms doubling. Each resets.
		expect(time.pauses).toEqual([100, 200, 400, 100, 250, 500, 1_000, 30, 250]);
		const errors = log.parsed().filter((line) => line.level === "error");
		expect(errors).toHaveLength(4);
		expect(errors[0]).toMatchObject({
			step: "test",
			outcome: "batch_error",
			err: { message: "a bug in the pass" },
		});
	});

	it("retries a conflict after a short pause, logged at debug, without backing off", async () => {
		const script = scripted([conflict(), conflict(), conflict(), "more"]);
		const { loop, time, log } = loopWith(script.pass);
		await script.done;
		await loop.stop();
		expect(time.pauses.slice(0, 3).every((ms) => ms <= 40)).toBe(true);
		expect(
			log
				.parsed()
				.filter((line) => line.outcome === "conflict_retry")
				.map((line) => line.level),
		).toEqual(["debug", "debug", "debug"]);
		expect(log.parsed().some((line) => line.outcome === "worker_resumed")).toBe(
			false,
		);
	});

	it("says the database is away at most once per 10 s, then that it is back", async () => {
		const script = scripted([
			...Array.from({ length: 12 }, unavailable),
			"more",
			"more",
		]);
		const { loop, log } = loopWith(script.pass, {
			unavailableOutcome: "worker_error",
		});
		await script.done;
		await loop.stop();
		const lines = log.parsed();
		const warnings = lines.filter((line) => line.outcome === "worker_error");
		// Failures at 0, 0.1, 0.3, 0.7, 1.5, 3.1, 6.3, 11.3, 16.3, 21.3, 26.3 and 31.3 s.
		expect(
			warnings.map((line) => [
				line.attempt,
				line.next_delay_ms,
				line.suppressed,
			]),
		).toEqual([
			[1, 100, 0],
			[8, 5_000, 6],
			[10, 5_000, 1],
			[12, 5_000, 1],
		]);
		expect(warnings[0]).toMatchObject({
			level: "warn",
			step: "test",
			err: { code: "08006" },
			msg: "test worker could not reach the database; retrying",
		});
		const resumed = lines.filter((line) => line.outcome === "worker_resumed");
		expect(resumed).toHaveLength(1);
		expect(lines.indexOf(resumed[0] as Record<string, unknown>)).toBe(
			lines.length - 1,
		);
	});

	it("shares the outage throttle between its concurrent passes", async () => {
		let calls = 0;
		const { loop, log } = loopWith(
			async () => {
				calls++;
				if (calls <= 6) throw unavailable();
				return { idleMs: HOLD_MS };
			},
			{ concurrency: 2 },
		);
		while (calls < 8) await new Promise((resolve) => setImmediate(resolve));
		await loop.stop();
		const lines = log.parsed();
		expect(
			lines.filter((line) => line.outcome === "database_unavailable"),
		).toHaveLength(1);
		// Each pass had its own backoff, so each says it is back.
		expect(
			lines.filter((line) => line.outcome === "worker_resumed"),
		).toHaveLength(2);
	});

	it("waits `startDelayMs` before its first pass", async () => {
		const script = scripted(["more"]);
		const { loop, time } = loopWith(script.pass, { startDelayMs: 1_234 });
		await script.done;
		await loop.stop();
		expect(time.pauses).toEqual([1_234]);
		expect(script.calls()).toBe(2);
	});
});

/** A loop on real timers and the real clock. */
function realLoop(pass: LoopOptions["pass"], extra: Partial<LoopOptions> = {}) {
	return startLoop({
		name: "test worker",
		step: "test",
		pass,
		logger: logs().logger,
		now: Date.now,
		...extra,
	});
}

/** A pass that never finds work, and how often it ran. */
function idlePass() {
	const counter = {
		calls: 0,
		pass: async (): Promise<PassResult> => {
			counter.calls++;
			return { idleMs: HOLD_MS };
		},
	};
	return counter;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("stopping and waking a loop", () => {
	it("stop() on an idle loop returns at once", async () => {
		const idle = idlePass();
		const loop = realLoop(idle.pass);
		await pause(20);
		const started = performance.now();
		await loop.stop();
		expect(performance.now() - started).toBeLessThan(500);
		expect(idle.calls).toBe(1);
	});

	it("stop() during a pass waits for it, and runs no other", async () => {
		let calls = 0;
		let abortedInPass = false;
		let finishPass = () => {};
		let passStarted = () => {};
		const started = new Promise<void>((resolve) => {
			passStarted = resolve;
		});
		const loop = realLoop(async (signal) => {
			calls++;
			passStarted();
			await new Promise<void>((resolve) => {
				finishPass = resolve;
			});
			abortedInPass = signal.aborted;
			return "more";
		});
		await started;
		let stopped = false;
		const stopping = loop.stop().then(() => {
			stopped = true;
		});
		await pause(50);
		expect(stopped).toBe(false);
		finishPass();
		await stopping;
		expect([calls, abortedInPass]).toEqual([1, true]);
	});

	it("stop() cuts a backoff pause short", async () => {
		const loop = realLoop(
			async () => {
				throw unavailable();
			},
			// A bug: the first pause is 250 ms.
			{ classify: () => "fault" },
		);
		await pause(20);
		const started = performance.now();
		await loop.stop();
		expect(performance.now() - started).toBeLessThan(100);
	});

	it("wake() ends the idle wait on the wake-up channel", async () => {
		const waits: Array<{ channel: string; ms: number }> = [];
		const wakeup: Wakeup = {
			wait: (channel, ms, signal) =>
				new Promise<void>((resolve) => {
					waits.push({ channel, ms });
					signal?.addEventListener("abort", () => resolve(), { once: true });
				}),
			close: async () => {},
		};
		const idle = idlePass();
		const loop = realLoop(idle.pass, {
			listen: { wakeup, channel: "plumb_test" },
		});
		await pause(20);
		expect(idle.calls).toBe(1);
		loop.wake();
		await pause(20);
		expect(idle.calls).toBe(2);
		expect(waits).toEqual([
			{ channel: "plumb_test", ms: HOLD_MS },
			{ channel: "plumb_test", ms: HOLD_MS },
		]);
		await loop.stop();
	});
});

describe("retryConflicts", () => {
	it("runs a statement again after a serialization failure or deadlock, and surfaces anything else", async () => {
		let calls = 0;
		const value = await retryConflicts(async () => {
			calls++;
			if (calls < 3)
				throw Object.assign(new Error("could not serialize access"), {
					code: calls === 1 ? "40001" : "40P01",
				});
			return "done";
		});
		expect([value, calls]).toEqual(["done", 3]);
		await expect(
			retryConflicts(async () =>
				Promise.reject(Object.assign(new Error("unique"), { code: "23505" })),
			),
		).rejects.toThrow("unique");
	});

	it("gives up after `tries` conflicts", async () => {
		let calls = 0;
		await expect(
			retryConflicts(async () => {
				calls++;
				throw conflict();
			}, 3),
		).rejects.toThrow("could not serialize access");
		expect(calls).toBe(3);
	});
});
