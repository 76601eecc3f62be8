/**
 * `plumb replay <delivery-id>` and `plumb replay --dead [--destination X]`: requeue, audited as
 * interventions. Directly on the database, or with `--url` through the running instance's admin API
 * (which holds the embedded database's lock while it runs).
 */
import { hostname, userInfo } from "node:os";
import { parseArgs } from "node:util";
import type { Config } from "../config/index.ts";
import { destinationSchema } from "../core/index.ts";
import {
	type BulkReplayProgress,
	replayDead,
	replayDelivery,
} from "../queue/index.ts";
import { isUuid } from "../store/index.ts";
import { DataDirInUseError } from "./data-dir-lock.ts";
import { callInstance, instanceUrl } from "./instance-api.ts";
import { openRuntime } from "./runtime.ts";

export const REPLAY_USAGE = `Usage:
  plumb replay <delivery-id> [--reason "…"] [--force] [--url URL]
  plumb replay --dead [--destination hubspot|zendesk|slack|email] [--reason "…"] [--url URL]

--url http://plumb.example.com asks the running instance to replay (needs its ADMIN_TOKEN); without it
the command opens the database itself (DATABASE_URL, or the embedded one when no server holds it).

A replay requeues with a fresh retry budget. A succeeded delivery is only delivered again with --force.
--dead goes through every dead delivery page by page; two runs at once requeue each delivery once.`;

/** `argv` is everything after `replay`. Exit codes: 0 done, 1 not found or refused, 2 usage. */
export async function replayCommand(
	config: Config,
	argv: readonly string[],
): Promise<number> {
	let parsed: ReturnType<typeof parseReplayArgs>;
	try {
		parsed = parseReplayArgs(argv);
	} catch (error) {
		process.stderr.write(
			`${error instanceof Error ? error.message : String(error)}\n\n${REPLAY_USAGE}\n`,
		);
		return 2;
	}
	if (parsed.url !== undefined)
		return replayThroughInstance(config, parsed, parsed.url);
	let runtime: Awaited<ReturnType<typeof openRuntime>>;
	try {
		runtime = await openRuntime(config);
	} catch (error) {
		if (!(error instanceof DataDirInUseError)) throw error;
		process.stderr.write(
			`${error.message}\nWhile it runs, replay through it: plumb replay ${argv.map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg)).join(" ")} --url ${config.publicUrl} (with ADMIN_TOKEN).\n`,
		);
		return 1;
	}
	const actor = `cli:${userInfo().username}@${hostname()}`;
	try {
		if (parsed.dead) {
			const progress = progressReporter();
			const result = await replayDead(runtime.db, {
				actor,
				reason: parsed.reason,
				destination: parsed.destination,
				onProgress: progress.update,
			});
			progress.done();
			if (result.interventionId === null) {
				process.stdout.write(
					`Nothing to replay: no dead deliveries${parsed.destination ? ` for ${parsed.destination}` : ""}. Nothing was recorded.\n`,
				);
				return 0;
			}
			process.stdout.write(
				`Requeued ${result.requeued} dead deliveries${result.superseded > 0 ? ` (${result.superseded} CRM syncs superseded by a newer one already waiting)` : ""}. Intervention ${result.interventionId}.\n`,
			);
			return 0;
		}
		const result = await replayDelivery(runtime.db, {
			id: parsed.id,
			actor,
			reason: parsed.reason,
			force: parsed.force,
		});
		if (result === undefined) {
			process.stderr.write(`No delivery has the id ${parsed.id}.\n`);
			return 1;
		}
		const line = `${parsed.id}: ${result.message}\n`;
		if (result.changed || result.status === "pending") {
			process.stdout.write(line);
			return 0;
		}
		process.stderr.write(line);
		return 1;
	} finally {
		await runtime.close();
	}
}

function parseReplayArgs(argv: readonly string[]) {
	const { positionals, values } = parseArgs({
		args: [...argv],
		allowPositionals: true,
		strict: true,
		options: {
			dead: { type: "boolean" },
			url: { type: "string" },
			destination: { type: "string" },
			reason: { type: "string" },
			force: { type: "boolean" },
		},
	});
	const reason = values.reason?.trim() || "replayed with plumb replay";
	const url = values.url === undefined ? undefined : instanceUrl(values.url);
	if (values.dead) {
		if (positionals.length > 0 || values.force)
			throw new Error("--dead takes no delivery id and no --force.");
		const destination =
			values.destination === undefined
				? null
				: destinationSchema.safeParse(values.destination).data;
		if (destination === undefined)
			throw new Error(
				"--destination must be hubspot, zendesk, slack or email.",
			);
		return { dead: true as const, destination, reason, url };
	}
	const [id, ...rest] = positionals;
	if (id === undefined || rest.length > 0 || !isUuid(id))
		throw new Error("Give one delivery id (a UUID), or --dead.");
	if (values.destination !== undefined)
		throw new Error("--destination goes with --dead.");
	return {
		dead: false as const,
		id,
		reason,
		force: values.force ?? false,
		url,
	};
}

type ReplayArgs = ReturnType<typeof parseReplayArgs>;

/**
 * The same replay through the instance's admin API (POST /admin/api/deliveries/…/replay), which
 * records the intervention (actor `admin-api (request …)`) and answers in its own words. Exit codes
 * as above; an unreachable instance or a refused token is 1.
 */
async function replayThroughInstance(
	config: Config,
	args: ReplayArgs,
	url: string,
): Promise<number> {
	try {
		if (args.dead) {
			const { status, body } = await callInstance<{ message: string }>(
				config,
				url,
				{
					method: "POST",
					path: "/deliveries/replay",
					body: {
						status: "dead",
						...(args.destination ? { destination: args.destination } : {}),
						reason: args.reason,
					},
				},
				// A bulk replay goes through every dead delivery before it answers.
				300_000,
			);
			return answer(status, body.message);
		}
		const { status, body } = await callInstance<{ message: string }>(
			config,
			url,
			{
				method: "POST",
				path: `/deliveries/${encodeURIComponent(args.id)}/replay`,
				body: { reason: args.reason, ...(args.force ? { force: true } : {}) },
			},
		);
		if (status === 404) {
			process.stderr.write(`No delivery has the id ${args.id}.\n`);
			return 1;
		}
		return answer(status, `${args.id}: ${body.message}`);
	} catch (error) {
		process.stderr.write(
			`plumb replay: ${error instanceof Error ? error.message : String(error)}\n`,
		);
		return 1;
	}
}

/** 202: done (stdout, 0); anything else: the instance's reason (stderr, 1). */
function answer(status: number, message: string | undefined): number {
	if (status === 202) {
		process.stdout.write(`${message}\n`);
		return 0;
	}
	process.stderr.write(
		`The instance answered ${status}${message ? `: ${message}` : ""}\n`,
	);
	return 1;
}

/** A bar on stderr: redrawn in place on a terminal, a line per tenth otherwise (logs, CI). */
function progressReporter() {
	const tty = process.stderr.isTTY === true;
	let lastDrawn = 0;
	let lastTenth = -1;
	let latest: BulkReplayProgress | undefined;
	const render = (p: BulkReplayProgress) => {
		const fraction = p.total === 0 ? 1 : Math.min(1, p.seen / p.total);
		const filled = Math.round(fraction * 30);
		return `[${"#".repeat(filled)}${".".repeat(30 - filled)}] ${p.seen}/${p.total} looked at, ${p.requeued} requeued`;
	};
	return {
		update(p: BulkReplayProgress) {
			latest = p;
			const tenth = p.total === 0 ? 10 : Math.floor((p.seen / p.total) * 10);
			if (tty && Date.now() - lastDrawn >= 100) {
				lastDrawn = Date.now();
				process.stderr.write(`\r${render(p)}`);
			} else if (!tty && tenth > lastTenth) {
				lastTenth = tenth;
				process.stderr.write(`${render(p)}\n`);
			}
		},
		done() {
			if (latest === undefined)
				process.stderr.write("No dead deliveries to replay.\n");
			else if (tty) process.stderr.write(`\r${render(latest)}\n`);
			else if (lastTenth < 10) process.stderr.write(`${render(latest)}\n`);
		},
	};
}
