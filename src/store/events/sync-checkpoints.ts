/**
 * Checkpoints of pulls from a provider's API (`plumb reconcile`, `plumb backfill`): a named position
 * and a lease.
 * The lease keeps two processes from running one pull at once; it expires, so a crashed holder
 * never blocks the next run for longer than the lease.
 */
import type { Db } from "../db/index.ts";
import { toJsonb } from "../db/index.ts";

/** Takes the lease of `name` for `leaseMs` and returns its position ({} the first time); undefined while another holds it. */
export async function claimSyncCheckpoint(
	db: Db,
	name: string,
	leaseMs: number,
): Promise<Record<string, unknown> | undefined> {
	await db.query(
		"insert into plumb.sync_checkpoints (name) values ($1) on conflict (name) do nothing",
		[name],
	);
	const [row] = await db.query<{ position: Record<string, unknown> }>(
		`update plumb.sync_checkpoints
		 set lease_until = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
		 where name = $1 and (lease_until is null or lease_until < now())
		 returning position`,
		[name, leaseMs],
	);
	return row?.position;
}

/**
 * Records a new position; with `release`, also gives the lease back, and with `renewLeaseMs` holds it
 * that much longer from now (a long pull renews as it goes, so only a dead holder lets it lapse).
 */
export async function saveSyncCheckpoint(
	db: Db,
	name: string,
	position: Record<string, unknown>,
	options: { release: boolean; renewLeaseMs?: number },
): Promise<void> {
	await db.query(
		`update plumb.sync_checkpoints
		 set position = $2::jsonb, updated_at = now(),
		     lease_until = case when $3 then null
		       when $4::double precision is not null then now() + make_interval(secs => $4::double precision / 1000)
		       else lease_until end
		 where name = $1`,
		[name, toJsonb(position), options.release, options.renewLeaseMs ?? null],
	);
}

/** Gives the lease back without moving the position (a run that failed part-way). */
export async function releaseSyncCheckpoint(
	db: Db,
	name: string,
): Promise<void> {
	await db.query(
		"update plumb.sync_checkpoints set lease_until = null, updated_at = now() where name = $1",
		[name],
	);
}
