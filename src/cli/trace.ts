/**
 * `plumb trace <id | e-mail | provider id | correlation id>`: who paid, what synced, what failed and
 * why, as one table in time order. Reads the database (DATABASE_URL, or the embedded one when no
 * server holds it), or asks a running instance (`--url`, with ADMIN_TOKEN).
 */
import { parseArgs } from "node:util";
import type { Config } from "../config/index.ts";
import {
	isMigrated,
	loadTrace,
	type Trace,
	type TraceEntry,
} from "../store/index.ts";
import { DataDirInUseError } from "./data-dir-lock.ts";
import { callInstance, instanceUrl } from "./instance-api.ts";
import { installLogSalt } from "./observability.ts";
import { openRuntime } from "./runtime.ts";

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
	process.stdout.write(
		args.json ? `${JSON.stringify(trace, null, 2)}\n` : renderTrace(trace),
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

const WHAT: Readonly<Record<TraceEntry["kind"], string>> = {
	event: "event",
	change: "state",
	delivery: "delivery",
	attempt: "attempt",
	alert: "alert",
	intervention: "manual",
};

/** The table people read: one line per entry, its detail (error, reference) on the line below. */
export function renderTrace(trace: Trace): string {
	const out: string[] = [];
	out.push(
		`Trace of ${JSON.stringify(trace.query)}${trace.matched.length > 0 ? ` (matched: ${trace.matched.join(", ")})` : ""}`,
	);
	if (trace.entries.length === 0) {
		out.push("Plumb knows nothing by that name.", "");
		return out.join("\n");
	}
	out.push("");
	for (const customer of trace.customers) {
		const facts = [
			customer.email,
			customer.name,
			customer.plan
				? `plan ${customer.plan}${customer.plan_status ? ` (${customer.plan_status})` : ""}`
				: undefined,
			`tier ${customer.tier}`,
			customer.lifecycle_stage
				? `lifecycle ${customer.lifecycle_stage}`
				: undefined,
			customer.merged_into ? `merged into ${customer.merged_into}` : undefined,
		].filter(Boolean);
		out.push(`Customer ${customer.id}  ${facts.join(" · ")}`);
		const keys = trace.log_keys.find((k) => k.customer_id === customer.id);
		if (keys?.user_hash)
			out.push(
				`  in the logs: user_hash ${keys.user_hash}${keys.identities.map((i) => ` · ${i.user_hash} (${i.kind})`).join("")}`,
			);
	}
	if (trace.customers.length > 0) out.push("");
	const header = ["TIME (UTC)", "WHAT", "STATUS", "ID", "DESCRIPTION"];
	const rows = trace.entries.map((entry) => [
		entry.at.toISOString().replace("T", " ").replace("Z", ""),
		WHAT[entry.kind],
		entry.status ?? "",
		entry.id,
		entry.summary,
	]);
	const widths = header.map((title, i) =>
		Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)),
	);
	const line = (cells: string[]) =>
		cells
			.map((cell, i) =>
				i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0),
			)
			.join("  ");
	out.push(line(header));
	const indent = " ".repeat(
		widths.slice(0, 4).reduce((sum, w) => sum + w + 2, 0),
	);
	for (const [index, entry] of trace.entries.entries()) {
		out.push(line(rows[index] ?? []));
		const detail = [
			entry.detail,
			entry.kind === "event" && entry.correlation_id
				? `correlation ${entry.correlation_id}`
				: null,
		]
			.filter(Boolean)
			.join(" · ");
		if (detail !== "") out.push(`${indent}↳ ${clip(oneLine(detail), 200)}`);
	}
	if (trace.truncated)
		out.push(
			"",
			"(Some lists were long: only the newest rows of each are shown.)",
		);
	out.push("");
	return out.join("\n");
}

function oneLine(text: string): string {
	return text.replace(/\s+/g, " ").trim();
}

function clip(text: string, max: number): string {
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
