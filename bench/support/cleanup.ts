/** Benchmark lifecycle: a LIFO stack of clean-up steps run once on success, error, Ctrl-C or timeout. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type Step = { label: string; run: () => Promise<unknown> | unknown };

export class Cleanup {
	#steps: Step[] = [];
	#done: Promise<void> | undefined;

	/** Registers a step; steps run newest first, so a server stops before its database is dropped. */
	defer(label: string, run: Step["run"]): void {
		this.#steps.push({ label, run });
	}

	/** A fresh directory under the OS temp dir, removed at clean-up. */
	tempDir(prefix: string): string {
		const dir = mkdtempSync(join(tmpdir(), prefix));
		this.defer(`remove ${dir}`, () =>
			rmSync(dir, { recursive: true, force: true }),
		);
		return dir;
	}

	/** Runs every step once, even when one fails; later calls wait for the first. */
	run(): Promise<void> {
		this.#done ??= (async () => {
			while (this.#steps.length > 0) {
				const step = this.#steps.pop() as Step;
				try {
					await step.run();
				} catch (error) {
					process.stderr.write(
						`clean-up "${step.label}" failed: ${error instanceof Error ? error.message : String(error)}\n`,
					);
				}
			}
		})();
		return this.#done;
	}

	/** Ctrl-C or a kill: clean up, then exit with the conventional 128 + signal code. */
	onSignals(): void {
		for (const [signal, code] of [
			["SIGINT", 130],
			["SIGTERM", 143],
		] as const) {
			process.once(signal, () => {
				process.stderr.write(`\n${signal}: cleaning up…\n`);
				void this.run().finally(() => process.exit(code));
			});
		}
	}
}

/**
 * Runs a benchmark's `main` with clean-up on every exit path: success, a thrown error, Ctrl-C,
 * or running past `hardLimitSeconds`. Sets a non-zero exit code on failure and never hangs.
 */
export async function runBench(
	name: string,
	hardLimitSeconds: number,
	main: (cleanup: Cleanup) => Promise<void>,
): Promise<void> {
	const cleanup = new Cleanup();
	cleanup.onSignals();
	const limit = setTimeout(() => {
		process.stderr.write(
			`${name}: still running after ${hardLimitSeconds} s, giving up\n`,
		);
		void cleanup.run().finally(() => process.exit(1));
	}, hardLimitSeconds * 1000);
	try {
		await main(cleanup);
	} catch (error) {
		process.stderr.write(
			`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
		);
		process.exitCode = 1;
	} finally {
		clearTimeout(limit);
		await cleanup.run();
		// Everything is closed by now; should some handle still hold the loop open, do not hang.
		setTimeout(() => process.exit(), 5_000).unref();
	}
}
