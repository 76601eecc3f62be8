/** Manual interventions (replays, forced actions): who, when, why and on what. Counted as a metric. */
import type { Db } from "../db/index.ts";
import { toJsonb } from "../db/index.ts";

export interface NewIntervention {
	kind: string;
	actor: string;
	reason: string;
	target: Record<string, unknown>;
	affected: number;
}

/** Records one intervention; returns its id. */
export async function recordIntervention(
	db: Db,
	intervention: NewIntervention,
): Promise<string> {
	const [row] = await db.query<{ id: string }>(
		`insert into plumb.interventions (kind, actor, reason, target, affected)
		 values ($1, $2, $3, $4::jsonb, $5)
		 returning id`,
		[
			intervention.kind,
			intervention.actor,
			intervention.reason,
			toJsonb(intervention.target),
			intervention.affected,
		],
	);
	if (!row) throw new Error("interventions insert returned no row");
	return row.id;
}

/** Adds to an intervention's `affected` count (bulk replays count page by page, in each page's transaction). */
export async function addInterventionAffected(
	tx: Db,
	id: string,
	affected: number,
): Promise<void> {
	if (affected === 0) return;
	await tx.query(
		"update plumb.interventions set affected = affected + $2 where id = $1",
		[id, affected],
	);
}

/** Interventions ever recorded, by kind (a counter for Prometheus: rows are never deleted). */
export async function countInterventions(
	db: Db,
): Promise<Array<{ kind: string; count: number }>> {
	return db.query<{ kind: string; count: number }>(
		"select kind, count(*)::int as count from plumb.interventions group by kind order by kind",
	);
}
