/** The customer's current truth for a CRM sync, read when the sync is sent (never when it was queued). */
import type { CustomerSnapshot, Tier } from "../../core/index.ts";
import type { Db } from "../db/index.ts";

interface SnapshotRow {
	id: string;
	email: string | null;
	name: string | null;
	phone: string | null;
	app_user_id: string | null;
	plan: string | null;
	plan_status: string | null;
	tier: Tier;
	lifecycle_stage: CustomerSnapshot["lifecycle_stage"] | null;
	lead_source: string | null;
	last_payment_status: CustomerSnapshot["last_payment_status"] | null;
	last_payment_at: Date | null;
	billing_provider: string | null;
	merged_into: string | null;
}

/**
 * Follows merges to the surviving record, so a sync queued for a since-merged customer pushes the
 * survivor. Unknown values stay undefined: a connector never sends an empty value over a known one.
 */
export async function loadCustomerSnapshot(
	db: Db,
	customerId: string,
	dashboardUrl: string,
): Promise<CustomerSnapshot | undefined> {
	let id: string | null = customerId;
	for (let hops = 0; id !== null && hops < 10; hops++) {
		const [row]: SnapshotRow[] = await db.query<SnapshotRow>(
			`select id, email, name, phone, app_user_id, plan, plan_status, tier, lifecycle_stage, lead_source,
			        last_payment_status, last_payment_at, billing_provider, merged_into
			 from plumb.customers where id = $1`,
			[id],
		);
		if (!row) return undefined;
		if (row.merged_into === null) {
			return {
				id: row.id,
				email: row.email ?? undefined,
				name: row.name ?? undefined,
				phone: row.phone ?? undefined,
				app_user_id: row.app_user_id ?? undefined,
				plan: row.plan ?? undefined,
				plan_status: row.plan_status ?? undefined,
				tier: row.tier,
				lifecycle_stage: row.lifecycle_stage ?? undefined,
				lead_source: row.lead_source ?? undefined,
				last_payment_status: row.last_payment_status ?? undefined,
				last_payment_at: row.last_payment_at?.toISOString(),
				billing_provider: row.billing_provider ?? undefined,
				url: `${dashboardUrl.replace(/\/$/, "")}/admin/customers/${row.id}`,
			};
		}
		id = row.merged_into;
	}
	return undefined;
}
