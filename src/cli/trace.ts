/**
 * `plumb trace <id | e-mail | provider id | correlation id>`: who paid, what synced, what failed and
 * why, as one table in time order. Reads the database (DATABASE_URL, or the embedded one when no
 * server holds it), or asks a running instance (`--url`, with ADMIN_TOKEN).
 */
import { parseArgs } from "node:util";
import { type Config, colorWanted } from "../config/index.ts";
import { isMigrated, loadTrace, type Trace } from "../store/index.ts";
import { DataDirInUseError } from "./data-dir-lock.ts";
import { callInstance, instanceUrl } from "./instance-api.ts";
import { installLogSalt } from "./observability.ts";
import { openRuntime } from "./runtime.ts";
import { painter } from "./terminal.ts";
import { renderTrace, TRACE_WIDTH } from "./trace-render.ts";

export const TRACE_USAGE = `Usage:
  plumb trace <event id | provider event id | customer id | e-mail | correlation id | delivery id> [--json]
  plumb trace <…> --url http://plumb.example.com   (asks a running instance; needs ADMIN_TOKEN)

Prints everything Plumb knows about it in time order: provider events, state changes, deliveries and
each attempt (status, error, vendor reference), alerts and manual interventions.`;

/** `argv` is everything after `trace`. Exit codes: 0 found, 1 nothing found or refused, 2 usage. */
export async function traceCommand(
	config: Config,
	argv: readonly string[],
): Promise<number> {
	let args: { q: string; json: boolean; url: string | undefined };
	try {
		args = parseTraceArgs(argv);
	} catch (error) {
		process.stderr.write(`${messageOf(error)}\n\n${TRACE_USAGE}\n`);
		return 2;
	}
	let trace: Trace;
	try {
		trace =
			args.url === undefined
				? await fromDatabase(config, args.q)
				: await fromInstance(config, args.url, args.q);
	} catch (error) {
		if (error instanceof DataDirInUseError)
			process.stderr.write(
				`${error.message}\nWhile it runs, ask it instead: plumb trace ${JSON.stringify(args.q)} --url ${config.publicUrl} (with ADMIN_TOKEN).\n`,
			);
		else process.stderr.write(`plumb trace: ${messageOf(error)}\n`);
		return 1;
	}
	const tty = process.stdout.isTTY === true;
	process.stdout.write(
		args.json
			? `${JSON.stringify(trace, null, 2)}\n`
			: renderTrace(trace, {
					// A narrower terminal gets its own width; never wider than 100, never below 60.
					width: tty
						? Math.max(
								60,
								Math.min(process.stdout.columns ?? TRACE_WIDTH, TRACE_WIDTH),
							)
						: TRACE_WIDTH,
					paint: painter(colorWanted(tty)),
				}),
	);
	return trace.entries.length > 0 ? 0 : 1;
}

function parseTraceArgs(argv: readonly string[]) {
	const { positionals, values } = parseArgs({
		args: [...argv],
		allowPositionals: true,
		strict: true,
		options: { json: { type: "boolean" }, url: { type: "string" } },
	});
	const [q, ...rest] = positionals;
	if (q === undefined || q.trim() === "" || rest.length > 0)
		throw new Error("Give one thing to trace.");
	const url = values.url === undefined ? undefined : instanceUrl(values.url);
	return { q, json: values.json ?? false, url };
}

async function fromDatabase(config: Config, q: string): Promise<Trace> {
	const runtime = await openRuntime(config);
	try {
		if (!(await isMigrated(runtime.db)))
			throw new Error("the database is not migrated: run plumb migrate");
		await installLogSalt(config, runtime.db);
		return await loadTrace(runtime.db, q);
	} finally {
		await runtime.close();
	}
}

async function fromInstance(
	config: Config,
	url: string,
	q: string,
): Promise<Trace> {
	const { status, body } = await callInstance<Trace>(config, url, {
		method: "GET",
		path: `/trace?q=${encodeURIComponent(q)}`,
	});
	if (status !== 200 || !Array.isArray(body.entries))
		throw new Error(
			`the instance answered ${status}${body.message ? `: ${body.message}` : ""}`,
		);
	return {
		...body,
		entries: body.entries.map((entry) => ({
			...entry,
			at: new Date(entry.at),
		})),
	};
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
