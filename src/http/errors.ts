/** The one place errors become responses: `{error, message}`, never a stack trace, SQL or secret. */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError } from "../core/index.ts";
import type { AppEnv } from "./env.ts";

/** Errors that mean "the database is unreachable", which is the caller's cue to retry later. */
const UNAVAILABLE_CODES = new Set([
	"ECONNREFUSED",
	"ECONNRESET",
	"ETIMEDOUT",
	"EPIPE",
	"57P01",
	"57P03",
	"08006",
	"08001",
	"08003",
]);

export const onError: ErrorHandler<AppEnv> = (error, c) => {
	if (error instanceof AppError) return errorResponse(c, error);
	if (error instanceof HTTPException) {
		return errorResponse(
			c,
			new AppError(
				error.status === 413 ? "payload_too_large" : "bad_request",
				error.message,
			),
		);
	}
	const code =
		typeof error === "object" && error !== null && "code" in error
			? String(error.code)
			: undefined;
	const unavailable = isUnavailable(error, code);
	c.var.log?.error(
		{
			step: "http",
			outcome: "error",
			err: { type: error.name, code, message: error.message },
		},
		"request failed",
	);
	return errorResponse(
		c,
		unavailable
			? new AppError(
					"service_unavailable",
					"The database is unavailable; retry later.",
				)
			: new AppError(
					"internal",
					"Internal error; see the server log for this request id.",
				),
	);
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
	errorResponse(
		c,
		new AppError(
			"not_found",
			`No route for ${c.req.method} ${new URL(c.req.url).pathname}`,
		),
	);

export function errorResponse(c: Context<AppEnv>, error: AppError): Response {
	const body: Record<string, unknown> = {
		error: error.code,
		message: error.message,
	};
	if (error.details !== undefined) body.details = error.details;
	if (c.var.requestId) c.header("x-request-id", c.var.requestId);
	return c.json(body, error.status as ContentfulStatusCode);
}

function isUnavailable(error: Error, code: string | undefined): boolean {
	if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
	// pg reports a pool checkout timeout and a dropped connection only in the message.
	return /timeout exceeded when trying to connect|Connection terminated|connection is closed|Client has encountered a connection error/i.test(
		error.message,
	);
}
