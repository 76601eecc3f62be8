/** Customers: identities (how events find a person), the owned-field registers, and derived plan/tier. */
import type { Tier } from "../../core/index.ts";
import type { CustomerFields, DerivedPlan } from "../../rules/index.ts";

export type IdentityKind = "email" | "app_user_id" | "stripe_customer_id";

export interface Identity {
	kind: IdentityKind;
	value: string;
}

export interface CustomerRow {
	id: string;
	email: string | null;
	email_source: "auth" | "billing" | "lead" | null;
	email_as_of: Date | null;
	name: string | null;
	name_as_of: Date | null;
	phone: string | null;
	phone_as_of: Date | null;
	app_user_id: string | null;
	app_user_id_as_of: Date | null;
	plan: string | null;
	plan_status: string | null;
	plan_as_of: Date | null;
	tier: Tier;
	lifecycle_stage: CustomerFields["lifecycle"] | null;
	lead_source: string | null;
	lead_source_as_of: Date | null;
	lead_details:
		| NonNullable<CustomerFields["leadSource"]>["value"]["details"]
		| null;
	last_payment_status:
		| NonNullable<CustomerFields["lastPayment"]>["value"]
		| null;
	last_payment_at: Date | null;
	billing_provider: string | null;
	billing_provider_as_of: Date | null;
	created_at: Date;
}

export interface StoredCustomer {
	id: string;
	fields: CustomerFields;
	derived: DerivedPlan;
	createdAt: Date;
}

function register<T>(value: T | null, at: Date | null) {
	return value !== null && at !== null ? { value, at } : undefined;
}

/** A customers row as the rules see it: registers for owned fields, plus the derived plan. */
export function customerFromRow(row: CustomerRow): StoredCustomer {
	return {
		id: row.id,
		createdAt: row.created_at,
		fields: {
			email:
				row.email && row.email_source && row.email_as_of
					? {
							value: { address: row.email, source: row.email_source },
							at: row.email_as_of,
						}
					: undefined,
			name: register(row.name, row.name_as_of),
			phone: register(row.phone, row.phone_as_of),
			appUserId: register(row.app_user_id, row.app_user_id_as_of),
			leadSource:
				row.lead_source && row.lead_source_as_of
					? {
							value: row.lead_details
								? { source: row.lead_source, details: row.lead_details }
								: { source: row.lead_source },
							at: row.lead_source_as_of,
						}
					: undefined,
			lifecycle: row.lifecycle_stage ?? undefined,
			lastPayment: register(row.last_payment_status, row.last_payment_at),
			billingProvider: register(
				row.billing_provider,
				row.billing_provider_as_of,
			),
		},
		derived: {
			plan: row.plan ?? undefined,
			planStatus: row.plan_status ?? undefined,
			planAsOf: row.plan_as_of ?? undefined,
			tier: row.tier,
		},
	};
}
