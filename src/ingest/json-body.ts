/**
 * Reading an unsigned JSON request body: 415 unless application/json, 400 for malformed or too deeply
 * nested JSON, or for text Postgres cannot store (http/storable.ts).
 */
import type { Context } from "hono";
import { AppError } from "../core/index.ts";
import { type AppEnv, refuseUnstorable } from "../http/index.ts";
import { isJsonContentType, jsonDepth, MAX_JSON_DEPTH } from "./json-shape.ts";

/**
 * The parsed body, or an AppError. Call after the body limit and the credential check, so neither an
 * oversized nor an unauthenticated body is parsed.
 */
export async function readJsonBody(c: Context<AppEnv>): Promise<unknown> {
	if (!isJsonContentType(c.req.header("content-type")))
		throw new AppError(
			"unsupported_media_type",
			"Content-Type must be application/json.",
		);
	return parseJsonText(await c.req.text());
}

/** A body already read (and verified: PayPal signs the raw bytes) parsed with the same checks. */
export function parseJsonText(text: string): unknown {
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		throw new AppError("invalid_json", "The body is not valid JSON.");
	}
	if (jsonDepth(body) > MAX_JSON_DEPTH)
		throw new AppError(
			"validation_failed",
			`JSON nested deeper than ${MAX_JSON_DEPTH} levels.`,
		);
	refuseUnstorable(body, "body", text);
	return body;
}
