/** `plumb serve` (HTTP only) and the HTTP half of `plumb start`: listen, and drain on SIGTERM. */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve as listen } from "@hono/node-server";
import { createApp } from "../app.ts";
import { configuredConnectors } from "../config/index.ts";
import type { Runtime } from "./runtime.ts";

export interface RunningHttp {
	url: string;
	/** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes idle sockets. */
	stop(graceMs?: number): Promise<void>;
}

/** `started`: false while start-up is still reaching the database (the app then answers probes only). */
export async function startHttp(
	runtime: Runtime,
	options: { started?: () => boolean } = {},
): Promise<RunningHttp> {
	const { config, logger } = runtime;
	const app = createApp({
		...runtime,
		...(options.started ? { started: options.started } : {}),
	});
	// @hono/node-server makes a plain node:http server unless told to use http2.
	const server = await new Promise<Server>((resolve, reject) => {
		const s = listen(
			{ fetch: app.fetch, port: config.http.port, hostname: config.http.host },
			() => resolve(s as Server),
		);
		s.once("error", (error: NodeJS.ErrnoException) =>
			reject(
				error.code === "EADDRINUSE"
					? new Error(
							`Port ${config.http.port} on ${config.http.host} is already in use; set PORT to another port.`,
						)
					: error,
			),
		);
	});
	const address = server.address() as AddressInfo;
	const url = `http://${config.http.host}:${address.port}`;
	logger.info(
		{
			step: "start",
			url,
			database: runtime.db.kind === "pg" ? "postgres" : "pglite",
			connectors: configuredConnectors(config),
		},
		"plumb listening",
	);
	return {
		url,
		stop: (graceMs = 10_000) =>
			new Promise<void>((resolve) => {
				// A connection that finishes its request becomes idle but stays open (keep-alive);
				// sweep idle ones until the server is closed instead of waiting for clients to hang up.
				const sweep = setInterval(() => server.closeIdleConnections(), 50);
				const force = setTimeout(() => server.closeAllConnections(), graceMs);
				server.close(() => {
					clearInterval(sweep);
					clearTimeout(force);
					resolve();
				});
				server.closeIdleConnections();
			}),
	};
}
