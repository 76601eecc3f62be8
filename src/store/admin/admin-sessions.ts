/**
 * Dashboard sessions, kept server-side so logout and timeouts are real: a row per login, found by the
 * hash of the cookie's secret, valid until its idle or absolute timeout.
 */
import type { Db } from "../db/index.ts";

export interface AdminSessionRow {
	id_hash: string;
	token_check: string;
	created_at: Date;
	last_seen_at: Date;
	expires_at: Date;
	/** True when last_seen_at is over a minute old, so the caller refreshes it (at most a write a minute). */
	stale: boolean;
}

export async function insertAdminSession(
	db: Db,
	session: { idHash: string; tokenCheck: string; maxAgeMs: number },
): Promise<void> {
	await db.query(
		`insert into plumb.admin_sessions (id_hash, token_check, expires_at)
		 values ($1, $2, now() + $3 * interval '1 millisecond')`,
		[session.idHash, session.tokenCheck, session.maxAgeMs],
	);
}

/** The session, unless it is unknown, past its absolute timeout, or idle for longer than `idleMs`. */
export async function findAdminSession(
	db: Db,
	idHash: string,
	idleMs: number,
): Promise<AdminSessionRow | undefined> {
	const [row] = await db.query<AdminSessionRow>(
		`select id_hash, token_check, created_at, last_seen_at, expires_at,
		        last_seen_at < now() - interval '1 minute' as stale
		 from plumb.admin_sessions
		 where id_hash = $1 and expires_at > now() and last_seen_at > now() - $2 * interval '1 millisecond'`,
		[idHash, idleMs],
	);
	return row;
}

export async function touchAdminSession(db: Db, idHash: string): Promise<void> {
	await db.query(
		"update plumb.admin_sessions set last_seen_at = now() where id_hash = $1",
		[idHash],
	);
}

export async function deleteAdminSession(
	db: Db,
	idHash: string,
): Promise<void> {
	await db.query("delete from plumb.admin_sessions where id_hash = $1", [
		idHash,
	]);
}

/** Forgets sessions that can no longer be used (at each login and each prune, so the table stays small). */
export async function deleteExpiredAdminSessions(
	db: Db,
	idleMs: number,
): Promise<number> {
	const gone = await db.query(
		`delete from plumb.admin_sessions
		 where expires_at <= now() or last_seen_at <= now() - $1 * interval '1 millisecond'
		 returning 1`,
		[idleMs],
	);
	return gone.length;
}
