/**
 * POST /v1/events rate per caller across every `plumb serve` process: one token bucket row per
 * caller in plumb.caller_rates, refilled and spent in a single statement (the row's lock orders two
 * processes' requests of one caller; different callers never wait on each other).
 */
import type { Db } from "../db/index.ts";

export type CallerRateDecision =
	| { allowed: true }
	| { allowed: false; retryAfterSeconds: number };

/**
 * Takes one of `perMinute` tokens (a bucket of a minute's worth) for `caller`, or says how long to
 * wait. `nowMs` is the process's clock (the same one its own first gate reads); a clock behind the
 * last writer's refills nothing and never moves the bucket's time back.
 */
export async function takeCallerToken(
	db: Db,
	caller: string,
	perMinute: number,
	nowMs: number,
): Promise<CallerRateDecision> {
	const [row] = await db.query<{ tokens: number; allowed: boolean }>(
		`insert into plumb.caller_rates as r (caller, tokens, refilled_at, allowed)
		 values ($1, $2::float8 - 1, $3, true)
		 on conflict (caller) do update set
		   tokens = plumb.bucket_level(r.tokens, r.refilled_at, $3, $2, $2 / 60.0)
		            - case when plumb.bucket_level(r.tokens, r.refilled_at, $3, $2, $2 / 60.0) >= 1 then 1 else 0 end,
		   allowed = plumb.bucket_level(r.tokens, r.refilled_at, $3, $2, $2 / 60.0) >= 1,
		   refilled_at = greatest(r.refilled_at, $3)
		 returning tokens, allowed`,
		[caller, perMinute, new Date(nowMs).toISOString()],
	);
	if (row === undefined || row.allowed) return { allowed: true };
	const perSecond = perMinute / 60;
	return {
		allowed: false,
		retryAfterSeconds: Math.max(1, Math.ceil((1 - row.tokens) / perSecond)),
	};
}
