/** The one place errors become responses: `{error, message}`, never a stack trace, SQL or secret. */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError } from "../core/index.ts";
import { isDatabaseUnavailable } from "../store/index.ts";
import type { AppEnv } from "./env.ts";

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
	// A lost or refused connection fails the request, never the process: 503, so the caller retries.
	if (isDatabaseUnavailable(error)) {
		c.var.log?.warn(
			{
				step: "http",
				outcome: "database_unavailable",
				err: { type: error.name, code, message: error.message },
			},
			"request failed: database unavailable",
		);
		return errorResponse(
			c,
			new AppError(
				"database_unavailable",
				"The database is unavailable; retry later.",
			),
		);
	}
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
		new AppError(
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
