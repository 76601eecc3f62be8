/**
 * How long to wait before trying an unreachable database again: doubling from `minMs` to `maxMs`,
 * with jitter so that processes which lost the database together do not all come back in step.
 */
export class ReconnectDelay {
	#failures = 0;
	readonly #minMs: number;
	readonly #maxMs: number;
	readonly #random: () => number;

	constructor(
		options: { minMs?: number; maxMs?: number; random?: () => number } = {},
	) {
		this.#minMs = options.minMs ?? 100;
		this.#maxMs = options.maxMs ?? 5_000;
		this.#random = options.random ?? Math.random;
	}

	/** Failures since the last success: the number of the attempt that just failed. */
	get attempt(): number {
		return this.#failures;
	}

	/** Records a failure and returns the pause before the next try: half the step, plus up to half again. */
	next(): number {
		const step = Math.min(this.#maxMs, this.#minMs * 2 ** this.#failures);
		this.#failures++;
		return Math.round(step / 2 + (this.#random() * step) / 2);
	}

	/** Call on success; true when it ends a run of failures (worth one "back again" log line). */
	reset(): boolean {
		const recovered = this.#failures > 0;
		this.#failures = 0;
		return recovered;
	}
}
