/**
 * How hard the fault suite pushes. `npm test` runs it reduced (a few hundred events, one or two faults
 * per family) to stay inside the suite's time budget; `npm run test:faults -- --full` sets
 * PLUMB_FAULTS_FULL=1 for the volume: 10,000 events and 20 faults per family.
 */

export const FULL = process.env.PLUMB_FAULTS_FULL === "1";

export const volume = FULL
	? {
			events: 10_000,
			faults: 20,
			/** Normal traffic before each fault and after the last. */
			gapMs: 2_000,
			/** F9c: how long the database stays unreachable. */
			outageMs: 30_000,
			/** F10: how long the database stays slow or read-only. */
			slowMs: 10_000,
			/** F4: spawn → ready for a restarted process (the 3 s). */
			readyLimitMs: Number(process.env.PLUMB_FAULTS_READY_MS ?? 3_000),
		}
	: {
			events: 300,
			faults: 2,
			gapMs: 1_000,
			outageMs: 5_000,
			slowMs: 4_000,
			// The built CLI on a shared 2-core machine beside the rest of the suite: generous; the
			// summary line prints the real numbers, and the full run holds the 3 s.
			readyLimitMs: Number(process.env.PLUMB_FAULTS_READY_MS ?? 10_000),
		};

/** A vitest timeout for a family that runs `faults` faults of about `faultMs` each. */
export function familyTimeout(faults: number, faultMs: number): number {
	return 120_000 + faults * (faultMs + 25_000) + (FULL ? 300_000 : 0);
}
