/**
 * Runs one fault family: traffic flows through `plumb serve` while the family's fault is injected
 * `faults` times; after each, the time until a new event is answered 2xx again is measured. Then
 * every event is retried until acknowledged, the worker drains, and the outcome is tallied against
 * the contract of issue 12: processes alive, 503 `database_unavailable` (never a reset, never 2xx for
 * an event not stored) while the database is away, 2xx again within 10 s, every acknowledged event
 * stored exactly once and every side effect at the HubSpot stand-in exactly once.
 */
import { type Deployment, type Role, step } from "./deployment.ts";
import { isAck, type Load, type Outcome, startLoad } from "./load.ts";
import {
	describeOutcome,
	summaryLine,
	type Tally,
	tallyUp,
	UNAVAILABLE,
} from "./tally.ts";
import { FULL } from "./volume.ts";

const RECOVERY_LIMIT_MS = 10_000;

/** What one injection saw: when the fault began, when it was healed, and checks made meanwhile. */
export interface FaultWindow {
	from: number;
	back: number;
	/** /readyz and a webhook, asked while the database was away. */
	away?: { readyz: number | string; webhook: Outcome };
	/** For process kills: spawn → ready, in ms. */
	readyMs?: number;
}

export interface FamilySpec {
	id: string;
	name: string;
	events: number;
	faults: number;
	/** Normal traffic before each fault and after the last. */
	gapMs: number;
	/** About how long one injection lasts, to spread the events over the whole run. */
	faultMs: number;
	/** The process this family kills and replaces; killing `serve` drops its clients' connections. */
	kills?: Role;
	/** A non-2xx answer the contract allows (default: 503 database_unavailable). */
	allowed?: (outcome: Outcome & { kind: "answer" }) => boolean;
	/** What a webhook posted while the database is away must answer (checked when `away` is set). */
	awayWebhook?: (outcome: Outcome) => boolean;
	/** Whether /readyz must be 503 while away. */
	awayReadyz?: boolean;
	/** Upserts allowed twice for the same customer (a worker killed between the call and its record). */
	doublesAllowed?: number;
	/** Spawn-to-ready bound for restarted processes. */
	readyLimitMs?: number;
	inject(
		deployment: Deployment,
		index: number,
		checkAway: () => Promise<NonNullable<FaultWindow["away"]>>,
	): Promise<FaultWindow>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function checkAway(
	deployment: Deployment,
	load: Load,
): Promise<NonNullable<FaultWindow["away"]>> {
	const readyz = await fetch(`${deployment.url}/readyz`, {
		signal: AbortSignal.timeout(10_000),
	})
		.then((res) => res.status)
		.catch((error: Error) => error.message);
	const webhook = (await load.probe()).outcome;
	return { readyz, webhook };
}

/** Posts new events until one is answered 2xx; ms from `back` to that answer, or undefined. */
async function recovery(load: Load, back: number): Promise<number | undefined> {
	const deadline = back + RECOVERY_LIMIT_MS + 10_000;
	while (Date.now() < deadline) {
		const attempt = await load.probe();
		if (isAck(attempt.outcome)) return attempt.endedAt - back;
		await sleep(100);
	}
	return undefined;
}

async function count(deployment: Deployment, sql: string): Promise<number> {
	const { rows } = await deployment.verify.query<{ n: number }>(sql);
	return Number(rows[0]?.n ?? -1);
}

/** Waits until the worker has processed every event and settled every delivery. */
async function drain(
	deployment: Deployment,
	emails: () => string[],
	timeoutMs: number,
): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (deployment.deaths().length > 0) return false;
		const [pending, unsettled] = await Promise.all([
			count(
				deployment,
				"select count(*)::int as n from plumb.events where status = 'pending'",
			),
			count(
				deployment,
				"select count(*)::int as n from plumb.deliveries where status not in ('succeeded', 'skipped', 'dead')",
			),
		]).catch(() => [-1, -1]);
		const written = new Set(deployment.hubspot.writes.map((w) => w.email));
		if (
			pending === 0 &&
			unsettled === 0 &&
			emails().every((email) => written.has(email))
		)
			return true;
		await sleep(200);
	}
	return false;
}

export async function runFamily(
	spec: FamilySpec,
	deployment: Deployment,
): Promise<{ tally: Tally; violations: string[] }> {
	await deployment.ensureUp();
	const started = Date.now();
	const violations: string[] = [];
	const plannedMs = spec.faults * (spec.gapMs + spec.faultMs) + spec.gapMs;
	const load = startLoad({
		url: `${deployment.url}/webhooks/stripe`,
		tag: `${spec.id.toLowerCase().replace(/[^a-z0-9]/g, "")}${Date.now().toString(36)}`,
		total: spec.events,
		ratePerSecond: (spec.events / plannedMs) * 1000,
		concurrency: 8,
		requestTimeoutMs: 20_000,
		retryAfterMs: 250,
	});
	const stopLoad = () => load.stop();
	deployment.cleanups.add(stopLoad);
	const windows: Array<FaultWindow & { recoveryMs: number | undefined }> = [];
	const reported = new Set<string>();
	const died = (when: string) => {
		const deaths = deployment.deaths();
		for (const death of deaths)
			if (!reported.has(death)) {
				reported.add(death);
				violations.push(`${when}: ${death}`);
			}
		return deaths.length > 0;
	};
	try {
		for (let i = 0; i < spec.faults; i++) {
			await sleep(spec.gapMs);
			if (died(`before fault ${i + 1}`)) break;
			step(`${spec.id}: fault ${i + 1}`);
			const window = await spec
				.inject(deployment, i, () => checkAway(deployment, load))
				.catch((error: Error) => {
					violations.push(`fault ${i + 1} failed: ${error.message}`);
					return undefined;
				});
			if (!window) break;
			if (died(`during fault ${i + 1}`)) break;
			step(`${spec.id}: fault ${i + 1} healed; measuring recovery`);
			const recoveryMs = await recovery(load, window.back);
			windows.push({ ...window, recoveryMs });
			if (died(`after fault ${i + 1}`)) break;
		}
		if (violations.length === 0) {
			await sleep(spec.gapMs);
			step(`${spec.id}: retrying until every event is acknowledged`);
			await load.settle(FULL ? 120_000 : 30_000);
		}
	} finally {
		await load.stop();
		deployment.cleanups.delete(stopLoad);
	}
	const emails = () =>
		[...load.events.values()].filter((e) => e.acked).map((e) => e.email);
	step(`${spec.id}: draining`);
	const drainStarted = Date.now();
	const drained =
		violations.length === 0 &&
		(await drain(deployment, emails, FULL ? 180_000 : 60_000));
	const drainMs = Date.now() - drainStarted;
	died("at the end");

	step(`${spec.id}: tallying`);
	const tally: Tally = {
		...(await tallyUp(deployment, load, windows, started)),
		drainMs,
	};
	// The contract, checked in full so a failure lists everything that went wrong at once.
	const byOutcome = new Map<string, number>();
	for (const attempt of load.attempts) {
		const o = attempt.outcome;
		const allowed = isAck(o)
			? true
			: o.kind === "answer"
				? (
						spec.allowed ?? ((a) => a.status === 503 && a.error === UNAVAILABLE)
					)(o)
				: spec.kills === "serve" &&
					windows.some(
						(w) => attempt.startedAt <= w.back && attempt.endedAt >= w.from,
					);
		if (!allowed) {
			const key = describeOutcome(o)
				.replace(/\(.*\)/, "")
				.trim();
			byOutcome.set(key, (byOutcome.get(key) ?? 0) + 1);
		}
	}
	for (const [what, n] of byOutcome)
		violations.push(`${n} answers were ${what}, which the contract forbids`);
	for (const [i, w] of windows.entries()) {
		if (w.recoveryMs === undefined || w.recoveryMs > RECOVERY_LIMIT_MS)
			violations.push(
				`fault ${i + 1}: not back to 2xx within ${RECOVERY_LIMIT_MS} ms (${w.recoveryMs ?? "never"})`,
			);
		if (w.away && spec.awayWebhook && !spec.awayWebhook(w.away.webhook))
			violations.push(
				`fault ${i + 1}: a webhook while away answered ${describeOutcome(w.away.webhook)}`,
			);
		if (w.away && spec.awayReadyz && w.away.readyz !== 503)
			violations.push(
				`fault ${i + 1}: /readyz while away answered ${w.away.readyz}`,
			);
		if (
			w.readyMs !== undefined &&
			spec.readyLimitMs !== undefined &&
			w.readyMs > spec.readyLimitMs
		)
			violations.push(
				`fault ${i + 1}: restarted process ready after ${w.readyMs} ms (limit ${spec.readyLimitMs})`,
			);
	}
	if (violations.length === 0 && windows.length < spec.faults)
		violations.push(`only ${windows.length} of ${spec.faults} faults ran`);
	if (!drained && violations.length === 0)
		violations.push("the worker did not drain the events and deliveries");
	if (tally.lost > 0)
		violations.push(`${tally.lost} events answered 2xx were not stored`);
	if (tally.storedTwice > 0)
		violations.push(`${tally.storedTwice} events were stored twice`);
	if (tally.neverAcked > 0 && violations.length === 0)
		violations.push(`${tally.neverAcked} events were never acknowledged`);
	if (tally.sideEffectsMissing > 0 && drained)
		violations.push(
			`${tally.sideEffectsMissing} stored events never reached the HubSpot stand-in`,
		);
	if (tally.sideEffectsDoubled > (spec.doublesAllowed ?? 0))
		violations.push(
			`${tally.sideEffectsDoubled} customers were upserted more than once (allowed ${spec.doublesAllowed ?? 0})`,
		);
	console.log(summaryLine(spec, tally));
	return { tally, violations };
}
