/**
 * A delivery worker as its own process, for the crash tests: the production worker with stand-in
 * connectors, whose `onStep` observer kills the process at a named step. Environment:
 * DATABASE_URL, STAND_IN_URL, SETTINGS (JSON, partial DeliverySettings), and optionally
 * KILL_AT (claimed | delivered | settled) with KILL_ON (the occurrence to die at), and WAIT_FOR_GO
 * (start the worker only after a line on stdin).
 * Logs go to stdout as JSON lines; SIGTERM drains and exits 0.
 */
import { createLogger, createMetrics } from "../../src/observability/index.ts";
import { startDeliveryWorker, type WorkerStep } from "../../src/queue/index.ts";
import { listeningWakeup, openPg } from "../../src/store/index.ts";
import { testSettings } from "./delivery-worker.ts";
import { standInConnector } from "./stand-in.ts";

const env = (name: string): string => {
	const value = process.env[name];
	if (!value) throw new Error(`${name} is not set`);
	return value;
};

const settings = testSettings(JSON.parse(process.env.SETTINGS ?? "{}"));
const killAt = process.env.KILL_AT as WorkerStep | undefined;
let killIn = Number(process.env.KILL_ON ?? "1");

const db = openPg({ connectionString: env("DATABASE_URL"), max: 8 });
const wakeup = await listeningWakeup(env("DATABASE_URL"), ["plumb_deliveries"]);
const logger = createLogger({
	level: "info",
	secretValues: [],
	destination: process.stdout,
});
if (process.env.WAIT_FOR_GO) {
	// Started ahead of time (module loading and connecting are slow): begin only when told, on stdin.
	process.stdout.write('{"msg":"worker loaded"}\n');
	await new Promise<void>((resolve) =>
		process.stdin.once("data", () => resolve()),
	);
}
const worker = startDeliveryWorker({
	db,
	logger,
	metrics: createMetrics(),
	wakeup,
	connectors: {
		zendesk: standInConnector("zendesk", env("STAND_IN_URL")),
		hubspot: standInConnector("hubspot", env("STAND_IN_URL")),
	},
	settings,
	publicUrl: "http://plumb.test",
	onStep: (step) => {
		if (step !== killAt) return;
		killIn--;
		if (killIn <= 0) {
			process.stdout.write(`{"msg":"killing at ${step}"}\n`);
			process.kill(process.pid, "SIGKILL");
		}
	},
});
process.stdout.write('{"msg":"worker ready"}\n');

process.once("SIGTERM", () => {
	void worker
		.stop()
		.then(() => wakeup.close())
		.then(() => db.close())
		.then(() => process.exit(0));
});
