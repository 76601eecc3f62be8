/**
 * Claims within each destination's rate across every worker process: the token buckets live in
 * plumb.destination_rates, and a claim of a rate-limited destination takes its bucket row's lock,
 * refills it by the database clock, claims no more than its tokens pay for, and spends them, all in
 * one short transaction. Destinations without a rate claim as before.
 */
import type { Destination } from "../../core/index.ts";
import type { Db } from "../db/index.ts";
import { type ClaimedDelivery, claimDeliveries } from "./delivery-queue.ts";

/** A destination's shared rate: tokens per second, the bucket's size, and what one call costs and carries. */
export interface SharedRate {
	ratePerSecond: number;
	burst: number;
	/** Tokens (vendor requests) one call spends. */
	costPerCall: number;
	/** Deliveries one call carries (1 unless the destination takes batches). */
	deliveriesPerCall: number;
}

export interface SharedClaim {
	claimed: ClaimedDelivery[];
	/** Rate-limited destinations whose bucket (or a 429 pause) allowed no call: ms until one may go. */
	blocked: Map<Destination, number>;
	/** What was asked of the queue after the buckets had their say. */
	asked: number;
}

interface BucketRow {
	destination: Destination;
	tokens: number;
	paused_ms: number;
	at: string;
}

export async function claimWithinSharedRates(
	db: Db,
	caps: ReadonlyArray<{ destination: Destination; limit: number }>,
	rates: Partial<Record<Destination, SharedRate>>,
	leaseMs: number,
	total: number,
): Promise<SharedClaim> {
	const limited = caps.filter((cap) => rates[cap.destination] !== undefined);
	if (limited.length === 0)
		return {
			claimed: await claimDeliveries(db, caps, leaseMs, total),
			blocked: new Map(),
			asked: total,
		};
	return db.transaction(async (tx) => {
		const names = limited.map((cap) => cap.destination);
		const rate = (d: Destination) => rates[d] as SharedRate;
		// In destination order, so two workers never wait on each other's rows in a cycle.
		const lockBuckets = () =>
			tx.query<BucketRow>(
				`select r.destination, clock_timestamp()::text as at,
			        plumb.bucket_level(r.tokens, r.refilled_at, clock_timestamp(), s.burst, s.rate) as tokens,
			        coalesce(greatest(0, extract(epoch from r.paused_until - clock_timestamp()) * 1000), 0)::float8 as paused_ms
			 from plumb.destination_rates r
			 join unnest($1::text[], $2::float8[], $3::float8[]) as s(destination, rate, burst) using (destination)
			 order by r.destination
			 for update of r`,
				[
					names,
					names.map((d) => rate(d).ratePerSecond),
					names.map((d) => rate(d).burst),
				],
			);
		let buckets = await lockBuckets();
		// A destination's first claim ever makes its row, with a full bucket.
		if (buckets.length < names.length) {
			await tx.query(
				`insert into plumb.destination_rates (destination, tokens)
				 select * from unnest($1::text[], $2::float8[]) on conflict (destination) do nothing`,
				[names, names.map((d) => rate(d).burst)],
			);
			buckets = await lockBuckets();
		}
		const blocked = new Map<Destination, number>();
		const allowed = new Map<Destination, number>();
		for (const bucket of buckets) {
			const r = rate(bucket.destination);
			const calls =
				bucket.paused_ms > 0 ? 0 : Math.floor(bucket.tokens / r.costPerCall);
			allowed.set(bucket.destination, calls * r.deliveriesPerCall);
			if (calls === 0)
				blocked.set(
					bucket.destination,
					Math.max(
						bucket.paused_ms,
						Math.ceil(
							((r.costPerCall - bucket.tokens) / r.ratePerSecond) * 1000,
						),
					),
				);
		}
		const paid = caps
			.map((cap) => ({
				destination: cap.destination,
				limit: Math.min(cap.limit, allowed.get(cap.destination) ?? cap.limit),
			}))
			.filter((cap) => cap.limit > 0);
		const asked = Math.min(
			total,
			paid.reduce((sum, cap) => sum + cap.limit, 0),
		);
		const claimed = await claimDeliveries(tx, paid, leaseMs, asked);
		// Only buckets that paid for something are written: an idle claim changes no row.
		const spent = buckets.flatMap((bucket) => {
			const r = rate(bucket.destination);
			const n = claimed.filter(
				(d) => d.destination === bucket.destination,
			).length;
			const cost = Math.ceil(n / r.deliveriesPerCall) * r.costPerCall;
			return cost > 0 ? [{ ...bucket, tokens: bucket.tokens - cost }] : [];
		});
		if (spent.length > 0)
			await tx.query(
				`update plumb.destination_rates r set tokens = s.tokens, refilled_at = s.at
				 from unnest($1::text[], $2::float8[], $3::timestamptz[]) as s(destination, tokens, at)
				 where r.destination = s.destination`,
				[
					spent.map((b) => b.destination),
					spent.map((b) => b.tokens),
					spent.map((b) => b.at),
				],
			);
		return { claimed, blocked, asked };
	});
}

/** A 429: no process calls `destination` for `ms`. */
export async function pauseSharedRate(
	db: Db,
	destination: Destination,
	ms: number,
): Promise<void> {
	await db.query(
		`update plumb.destination_rates
		 set paused_until = greatest(paused_until, clock_timestamp() + $2::float8 * interval '1 millisecond')
		 where destination = $1`,
		[destination, ms],
	);
}
