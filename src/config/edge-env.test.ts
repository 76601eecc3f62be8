import { describe, expect, it } from "vitest";
import { edgeEnvironment } from "./edge-env.ts";
import { loadConfig } from "./load.ts";

describe("edgeEnvironment: Plumb's variables under the names an edge platform allows", () => {
	it("reads PLUMB_SUPABASE_… as SUPABASE_… (Supabase refuses secrets named SUPABASE_…), leaving other names alone", () => {
		const config = loadConfig(
			edgeEnvironment({
				DATABASE_URL: "postgres://db.example:6543/postgres",
				PLUMB_SUPABASE_JWT_SECRET: "jwt-secret-0123456789abcdef0123456789",
				PLUMB_SUPABASE_WEBHOOK_SECRET: "hook-secret-0123456789",
				STRIPE_WEBHOOK_SECRET: "whsec_edge_0123456789",
			}),
		);
		expect(config.supabase).toMatchObject({
			jwtSecret: "jwt-secret-0123456789abcdef0123456789",
			webhookSecret: "hook-secret-0123456789",
		});
		expect(config.stripe.webhookSecrets).toEqual(["whsec_edge_0123456789"]);
		expect(config.database.url).toBe("postgres://db.example:6543/postgres");
	});

	it("uses Supabase's own SUPABASE_DB_URL when DATABASE_URL is unset, and DATABASE_URL when both are", () => {
		const direct = "postgres://postgres:pw@db.ref.supabase.co:5432/postgres";
		expect(edgeEnvironment({ SUPABASE_DB_URL: direct }).DATABASE_URL).toBe(
			direct,
		);
		const pooler = "postgres://postgres.ref:pw@pooler.example:6543/postgres";
		expect(
			edgeEnvironment({ SUPABASE_DB_URL: direct, DATABASE_URL: pooler })
				.DATABASE_URL,
		).toBe(pooler);
		expect(edgeEnvironment({}).DATABASE_URL).toBeUndefined();
	});
});
