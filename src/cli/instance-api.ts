/**
 * The running instance's admin API as the CLI calls it (`--url`, bearer ADMIN_TOKEN): for commands
 * whose database only the instance may open (the embedded one is locked by it). Failures come back as
 * one plain sentence naming the host, never "fetch failed" and never the token.
 */
import type { Config } from "../config/index.ts";
import { hostOf, isCertificateProblem, unreachable } from "./failure-words.ts";

/** The instance's answer: its status and JSON body (`{error, message}` on a refusal). */
export interface InstanceReply<T> {
	status: number;
	body: T & { error?: string; message?: string };
}

/** Thrown for what no exit code of the command itself covers: no token, unreachable, refused token. */
export class InstanceError extends Error {
	override readonly name = "InstanceError";
}

/** Checks the --url value; the address without trailing slashes. */
export function instanceUrl(value: string): string {
	if (!/^https?:\/\/\S+$/.test(value))
		throw new Error("--url must be the instance's http(s) address.");
	return value.replace(/\/+$/, "");
}

/** One admin API call. `path` starts after /admin/api, e.g. `/deliveries/replay`. */
export async function callInstance<T>(
	config: Config,
	url: string,
	request: { method: "GET" | "POST"; path: string; body?: unknown },
	timeoutMs = 30_000,
): Promise<InstanceReply<T>> {
	if (config.adminToken === undefined)
		throw new InstanceError(
			`set ADMIN_TOKEN to the admin token of the instance at ${hostOf(url)} to use --url`,
		);
	const target = `${url}/admin/api${request.path}`;
	let res: Response;
	try {
		res = await fetch(target, {
			method: request.method,
			headers: {
				authorization: `Bearer ${config.adminToken}`,
				...(request.body === undefined
					? {}
					: { "content-type": "application/json" }),
			},
			body:
				request.body === undefined ? undefined : JSON.stringify(request.body),
			signal: AbortSignal.timeout(timeoutMs),
		});
	} catch (error) {
		throw new InstanceError(
			// A refused certificate is not a Plumb that is down: the address answered.
			`${unreachable(target, error)}${isCertificateProblem(error) ? "" : "; is Plumb running there?"}`,
		);
	}
	const body = (await res.json().catch(() => undefined)) as
		| InstanceReply<T>["body"]
		| undefined;
	if (res.status === 401)
		throw new InstanceError(
			`the instance at ${hostOf(url)} refused this ADMIN_TOKEN (401): use the instance's own token`,
		);
	if (body === undefined || typeof body !== "object")
		throw new InstanceError(
			`${hostOf(url)} answered ${res.status} without Plumb's JSON: is --url the Plumb instance?`,
		);
	return { status: res.status, body };
}
