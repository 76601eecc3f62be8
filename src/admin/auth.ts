/** Admin API authentication: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
import type { MiddlewareHandler } from "hono";
import { AppError } from "../core/index.ts";
import { type AppEnv, hasBearer } from "../http/index.ts";

export function requireAdmin(
	adminToken: string | undefined,
): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		if (adminToken === undefined) {
			// Never open: without a token the admin API refuses everyone and says how to fix it.
			throw new AppError(
				"unauthorized",
				"The admin API is disabled: set ADMIN_TOKEN and restart Plumb.",
			);
		}
		if (!hasBearer(c.req.header("authorization"), [adminToken])) {
			throw new AppError(
				"unauthorized",
				"Send Authorization: Bearer <ADMIN_TOKEN>.",
			);
		}
		await next();
	};
}
