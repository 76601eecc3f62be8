/**
 * One way to read admin input: a strict zod schema per route (an unknown parameter is a 400, never
 * ignored), empty form fields treated as unset, and the shared list parameters (cursor, limit, time range).
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { AppError } from "../core/index.ts";
import { refuseUnstorable } from "../http/index.ts";
import { type KeysetFilter, uuidAt } from "../store/index.ts";
import { decodeCursor, limitSchema } from "./pagination.ts";

/** An optional parameter; `?status=` (an empty form field) counts as unset. */
export function optionalParam<T extends z.ZodType>(schema: T) {
	return z.preprocess(
		(value) => (value === "" ? undefined : value),
		schema.optional(),
	);
}

const instant = z
	.union([z.iso.datetime({ offset: true }), z.iso.date()], {
		error:
			"must be an ISO 8601 date or date-time (2026-11-23 or 2026-11-23T10:00:00Z)",
	})
	.transform((value) => new Date(value));

/** A search box: e-mail, name, id or provider id. */
export const searchParam = optionalParam(z.string().trim().min(1).max(320));

/** Parameters every list takes. */
export const listParams = {
	cursor: optionalParam(z.string().max(200)),
	limit: limitSchema,
	from: optionalParam(instant),
	to: optionalParam(instant),
};

/** The keyset filter of a parsed list query, asking for one row more than the page to see if another follows. */
export function keysetOf(query: {
	cursor?: string | undefined;
	limit: number;
	from?: Date | undefined;
	to?: Date | undefined;
}): KeysetFilter {
	if (query.from && query.to && query.from >= query.to)
		throw new AppError("validation_failed", "`from` must be before `to`.", {
			details: [{ field: "from", message: "must be before to" }],
		});
	return {
		before: decodeCursor(query.cursor),
		fromId: query.from ? uuidAt(query.from) : undefined,
		toId: query.to ? uuidAt(query.to) : undefined,
		limit: query.limit + 1,
	};
}

/**
 * Parses `input` with `schema` or throws a 400 naming each bad field (never echoing its value); text
 * Postgres cannot store (NUL, unpaired surrogates) is refused first, in any parameter or field.
 */
export function parseInput<T extends z.ZodType>(
	schema: T,
	input: unknown,
	where: "query" | "body",
): z.infer<T> {
	refuseUnstorable(input, where);
	const parsed = schema.safeParse(input);
	if (!parsed.success) {
		throw new AppError(
			"validation_failed",
			where === "query" ? "Invalid query parameters." : "Invalid body.",
			{
				details: parsed.error.issues.map((issue) => ({
					field: issue.path.join(".") || where,
					message: issue.message,
				})),
			},
		);
	}
	return parsed.data;
}

/** The JSON body of a request, or a 400 saying what to send. */
export async function jsonBody(
	request: { json(): Promise<unknown> },
	hint: string,
): Promise<unknown> {
	try {
		return await request.json();
	} catch {
		throw new AppError("invalid_json", `Send a JSON body: ${hint}.`);
	}
}

/** Admin requests are small (a reason, a few fields): anything over 16 KiB is refused before it is read. */
export function smallBodies(): MiddlewareHandler {
	return bodyLimit({
		maxSize: 16 * 1024,
		onError: () => {
			throw new AppError(
				"payload_too_large",
				"Admin requests are small: at most 16 KiB.",
			);
		},
	});
}
