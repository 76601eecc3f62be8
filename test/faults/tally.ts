/** The numbers of one fault family, counted from the load's attempts, the events table and the HubSpot stand-in. */
import type { Deployment } from "./deployment.ts";
import type { FamilySpec, FaultWindow } from "./family.ts";
import { type Attempt, isAck, type Load, type Outcome } from "./load.ts";
import { FULL } from "./volume.ts";

export const UNAVAILABLE = "database_unavailable";

export interface Tally {
	sent: number;
	acknowledged: number;
	answered503: number;
	otherNon2xx: Record<string, number>;
	resets: number;
	refused: number;
	timeouts: number;
	lost: number;
	storedTwice: number;
	storedNotAcked: number;
	neverAcked: number;
	sideEffectsDoubled: number;
	sideEffectsMissing: number;
	faults: number;
	recoveryMs: number[];
	readyMs: number[];
	/** From the last acknowledgement to every delivery settled. */
	drainMs: number;
	seconds: number;
}

export function describeOutcome(outcome: Outcome): string {
	return outcome.kind === "answer"
		? `${outcome.status} ${outcome.error ?? ""}`.trim()
		: `${outcome.kind} (${outcome.detail})`;
}

export async function tallyUp(
	deployment: Deployment,
	load: Load,
	windows: Array<FaultWindow & { recoveryMs: number | undefined }>,
	started: number,
): Promise<Omit<Tally, "drainMs">> {
	const stored = new Map<string, number>();
	const { rows } = await deployment.verify.query<{
		external_id: string;
		n: number;
	}>(
		"select external_id, count(*)::int as n from plumb.events where external_id like $1 group by external_id",
		[`evt_f_${load.tag}_%`],
	);
	for (const row of rows) stored.set(row.external_id, row.n);
	const events = [...load.events.values()];
	// Only this family's customers: a deployment may serve several families in turn.
	const upserts = new Map<string, number>();
	const ours = new Set(events.map((e) => e.email));
	for (const write of deployment.hubspot.writes)
		if (ours.has(write.email))
			upserts.set(write.email, (upserts.get(write.email) ?? 0) + 1);
	const kinds = (kind: Outcome["kind"]) =>
		load.attempts.filter((a: Attempt) => a.outcome.kind === kind).length;
	const otherNon2xx: Record<string, number> = {};
	let answered503 = 0;
	for (const { outcome } of load.attempts) {
		if (outcome.kind !== "answer" || isAck(outcome)) continue;
		if (outcome.status === 503) answered503 += 1;
		if (outcome.status === 503 && outcome.error === UNAVAILABLE) continue;
		const key = describeOutcome(outcome);
		otherNon2xx[key] = (otherNon2xx[key] ?? 0) + 1;
	}
	const storedEvents = events.filter((e) => stored.has(e.id));
	return {
		sent: events.length,
		acknowledged: events.filter((e) => e.acked).length,
		answered503,
		otherNon2xx,
		resets: kinds("reset"),
		refused: kinds("refused"),
		timeouts: kinds("timeout"),
		lost: events.filter((e) => e.acked && !stored.has(e.id)).length,
		storedTwice: [...stored.values()].filter((n) => n > 1).length,
		storedNotAcked: storedEvents.filter((e) => !e.acked).length,
		neverAcked: events.filter((e) => !e.acked).length,
		sideEffectsDoubled: [...upserts.values()].filter((n) => n > 1).length,
		sideEffectsMissing: storedEvents.filter((e) => !upserts.has(e.email))
			.length,
		faults: windows.length,
		recoveryMs: windows.flatMap((w) =>
			w.recoveryMs === undefined ? [] : [w.recoveryMs],
		),
		readyMs: windows.flatMap((w) =>
			w.readyMs === undefined ? [] : [w.readyMs],
		),
		seconds: Math.round((Date.now() - started) / 100) / 10,
	};
}

export function summaryLine(spec: FamilySpec, t: Tally): string {
	const max = (xs: number[]) =>
		xs.length === 0 ? "n/a" : `${Math.max(...xs)} ms`;
	const other = Object.entries(t.otherNon2xx)
		.map(([k, n]) => `${k} ×${n}`)
		.join(", ");
	return [
		`[faults] ${spec.id} ${spec.name} (${FULL ? "full" : "reduced"}, ${t.faults}/${spec.faults} faults, ${t.seconds} s):`,
		`events sent ${t.sent}, acknowledged ${t.acknowledged}, 503s ${t.answered503},`,
		`lost ${t.lost}, stored twice ${t.storedTwice}, side effects doubled ${t.sideEffectsDoubled},`,
		`max recovery ${max(t.recoveryMs)}`,
		...(t.readyMs.length > 0
			? [`| ready after restart ${t.readyMs.join("/")} ms`]
			: []),
		`| resets ${t.resets}, refused ${t.refused}, timeouts ${t.timeouts}, other non-2xx ${other || "0"},`,
		`never acked ${t.neverAcked}, stored unacked ${t.storedNotAcked}, side effects missing ${t.sideEffectsMissing},`,
		`drained in ${t.drainMs} ms`,
	].join(" ");
}
