/** Which Stripe API versions the stored events were sent in (for plumb doctor). */
import type { Db } from "../db/index.ts";

export interface ApiVersionSeen {
	version: string;
	events: number;
	lastReceivedAt: Date;
}

/** Each distinct `api_version` of stored Stripe events, with how many and when the last arrived. */
export async function stripeApiVersionsSeen(db: Db): Promise<ApiVersionSeen[]> {
	const rows = await db.query<{
		api_version: string;
		n: number;
		last: Date;
	}>(
		`select api_version, count(*)::int as n, max(received_at) as last from plumb.events
		 where source = 'stripe' and api_version is not null
		 group by api_version order by api_version`,
	);
	return rows.map((row) => ({
		version: row.api_version,
		events: row.n,
		lastReceivedAt: row.last,
	}));
}
