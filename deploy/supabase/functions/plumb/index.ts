/**
 * Plumb's ingest as a Supabase Edge Function named `plumb` (docs/deno.md): the webhooks and /v1 under
 * https://<project>.supabase.co/functions/v1/plumb/…; the worker runs as `plumb worker` on Node.
 * `export default { fetch }` serves under both Supabase's edge runtime and `deno serve` (the smoke test).
 */
import { createEdgeIngest } from "../../../../src/edge.ts";

// Deno's environment is the configuration here; loadConfig (src/config) parses and checks it.
const ingest = createEdgeIngest(Deno.env.toObject(), { basePath: "/plumb" });

export default { fetch: (request: Request) => ingest.fetch(request) };
