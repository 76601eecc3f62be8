/** Resident memory of processes under test, from /proc (Linux). */
import { readFileSync } from "node:fs";

/** Resident set size of `pid` in MiB (VmRSS), NaN when it is gone. */
export function rssMiB(pid: number): number {
	try {
		const status = readFileSync(`/proc/${pid}/status`, "utf8");
		const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
		return kb / 1024;
	} catch {
		return Number.NaN;
	}
}

/** Samples `pid`'s RSS every `everyMs` until stopped; `stop()` returns the peak in MiB. */
export function samplePeakRss(pid: number, everyMs = 100): { stop(): number } {
	let peak = rssMiB(pid);
	const timer = setInterval(() => {
		const now = rssMiB(pid);
		if (now > peak || Number.isNaN(peak)) peak = now;
	}, everyMs);
	return {
		stop() {
			clearInterval(timer);
			const last = rssMiB(pid);
			return Number.isNaN(last) ? peak : Math.max(peak, last);
		},
	};
}
