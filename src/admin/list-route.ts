/** A list shared by the JSON API and the dashboard: a strict query schema, and a loader from query to rows. */
import type { Handler } from "hono";
import type { z } from "zod";
import type { KeysetFilter } from "../store/index.ts";
import type { AdminEnv, AdminRouteDeps } from "./deps.ts";
import { page } from "./pagination.ts";
import { keysetOf, parseInput } from "./query.ts";

interface ListQuery {
	cursor?: string | undefined;
	limit: number;
	from?: Date | undefined;
	to?: Date | undefined;
}

export type ListPage<Row> = { items: Row[]; next_cursor: string | null };

/** One page of a list, redacted: `load` maps the parsed query (and its keyset) to the store's filter. */
export function listLoader<Q extends ListQuery, Row extends { id: string }>(
	load: (
		deps: AdminRouteDeps,
		query: Q,
		keyset: KeysetFilter,
	) => Promise<Row[]>,
): (deps: AdminRouteDeps, query: Q) => Promise<ListPage<Row>> {
	return async (deps, query) =>
		deps.redactor.value(
			page(await load(deps, query, keysetOf(query)), query.limit),
		);
}

/** GET handler of an API list: parse with `schema` (unknown parameters are a 400), answer the page. */
export function listHandler<S extends z.ZodType<ListQuery>>(
	deps: AdminRouteDeps,
	schema: S,
	loader: (deps: AdminRouteDeps, query: z.infer<S>) => Promise<unknown>,
): Handler<AdminEnv> {
	return async (c) =>
		c.json(await loader(deps, parseInput(schema, c.req.query(), "query")));
}
