/** The instance `plumb simulate` drives: one signed request at a time, and its admin API (ADMIN_TOKEN). */
import type { SignedRequest } from "./signed-requests.ts";

/** The instance could not be reached at all; the message names the address and the cause. */
export class UnreachableError extends Error {}

export interface Answer {
	status: number;
	body: Record<string, unknown> | undefined;
}

export interface Instance {
	url: string;
	send(request: SignedRequest): Promise<Answer>;
	/** GET under /admin/api with the admin token; throws with the instance's answer unless 2xx. */
	admin<T>(path: string): Promise<T>;
	/** GET with a bearer (an app user's token or an API key), e.g. /v1/requests/:id. */
	get(path: string, bearer: string): Promise<Answer>;
}

export function instanceAt(
	url: string,
	adminToken: string | undefined,
): Instance {
	const base = url.replace(/\/+$/, "");
	const call = async (path: string, init: RequestInit): Promise<Answer> => {
		let res: Response;
		try {
			res = await fetch(`${base}${path}`, {
				...init,
				signal: AbortSignal.timeout(15_000),
			});
		} catch (error) {
			throw new UnreachableError(
				`cannot reach the instance at ${base}: ${causeOf(error)}`,
			);
		}
		const text = await res.text();
		let body: Record<string, unknown> | undefined;
		try {
			body = JSON.parse(text) as Record<string, unknown>;
		} catch {
			body = undefined;
		}
		return { status: res.status, body };
	};
	return {
		url: base,
		send: (request) => call(request.path, request.init),
		get: (path, bearer) =>
			call(path, { headers: { authorization: `Bearer ${bearer}` } }),
		async admin<T>(path: string) {
			if (adminToken === undefined)
				throw new Error(
					"ADMIN_TOKEN is not set here: the resulting state is read from the instance's admin API with it",
				);
			const answer = await call(`/admin/api${path}`, {
				headers: { authorization: `Bearer ${adminToken}` },
			});
			if (answer.status === 401 || answer.status === 403)
				throw new Error(
					`the instance refused ADMIN_TOKEN (${answer.status}): it is not this instance's admin token`,
				);
			if (answer.status === 503)
				throw new Error(
					"the instance's admin API is closed (503): start it with ADMIN_TOKEN set",
				);
			if (answer.status < 200 || answer.status > 299)
				throw new Error(
					`the admin API answered ${answer.status}${typeof answer.body?.message === "string" ? `: ${answer.body.message}` : ""}`,
				);
			return answer.body as T;
		},
	};
}

/** `fetch failed` says nothing: name the system error (ECONNREFUSED, ENOTFOUND …) or the timeout. */
function causeOf(error: unknown): string {
	if (error instanceof Error && error.name === "TimeoutError")
		return "no answer within 15 s";
	const cause = error instanceof Error ? (error.cause as unknown) : undefined;
	if (cause instanceof Error) {
		const code = (cause as { code?: unknown }).code;
		return typeof code === "string"
			? `${code} (${cause.message})`
			: cause.message;
	}
	return error instanceof Error ? error.message : String(error);
}
