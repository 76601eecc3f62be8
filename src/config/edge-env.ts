/**
 * The environment of an edge function, in Plumb's variable names. Supabase refuses secrets whose names
 * start with SUPABASE_ (the prefix is its own), so there Plumb's SUPABASE_JWT_SECRET, SUPABASE_JWKS_URL
 * and SUPABASE_WEBHOOK_SECRET are set as PLUMB_SUPABASE_…; and the database defaults to the
 * SUPABASE_DB_URL Supabase gives every function.
 */

const RENAMED_PREFIX = "PLUMB_";

export function edgeEnvironment(
	env: Record<string, string | undefined>,
): Record<string, string | undefined> {
	const named: Record<string, string | undefined> = { ...env };
	for (const [name, value] of Object.entries(env))
		if (name.startsWith(`${RENAMED_PREFIX}SUPABASE_`) && value !== undefined)
			named[name.slice(RENAMED_PREFIX.length)] = value;
	named.DATABASE_URL ??= env.SUPABASE_DB_URL;
	return named;
}
