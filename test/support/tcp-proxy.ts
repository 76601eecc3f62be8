/**
 * A loopback TCP proxy we can cut and restore, to play "the database went away" without touching the
 * server: reset every connection, refuse new ones for a while, or add latency to each round trip.
 */
import net from "node:net";

export interface TcpProxy {
	port: number;
	/** Stops listening and resets every open connection. */
	cut(): Promise<void>;
	/** Listens again on the same port. */
	restore(): Promise<void>;
	close(): Promise<void>;
	/** Resets every open connection (both sides get an RST) and keeps listening: a network blip. */
	resetAll(): number;
	/** Stops listening (new connections are refused) but leaves open connections alone. */
	refuseNew(): Promise<void>;
	/** Listens again after `refuseNew` or `cut`; does nothing when already listening. */
	acceptNew(): Promise<void>;
	/**
	 * Holds every chunk from the client for `ms` before passing it on (0 turns it off), so each
	 * request/response round trip takes `ms` longer. Chunks keep their order.
	 */
	setLatency(ms: number): void;
	/** Open client connections. */
	connections(): number;
}

/** Forwards `from` to `to`, each chunk `delay()` ms late, in order; ends `to` after the last chunk. */
function forward(from: net.Socket, to: net.Socket, delay: () => number): void {
	const queue: Array<{ at: number; chunk: Buffer | null }> = [];
	let timer: NodeJS.Timeout | undefined;
	const pump = () => {
		timer = undefined;
		while (queue.length > 0) {
			const head = queue[0];
			if (!head || head.at > Date.now()) break;
			queue.shift();
			if (to.destroyed) return;
			if (head.chunk === null) to.end();
			else to.write(head.chunk);
		}
		const next = queue[0];
		if (next) timer = setTimeout(pump, Math.max(0, next.at - Date.now()));
	};
	const push = (chunk: Buffer | null) => {
		const ms = delay();
		if (ms <= 0 && queue.length === 0) {
			if (to.destroyed) return;
			if (chunk === null) to.end();
			else if (!to.write(chunk)) {
				from.pause();
				to.once("drain", () => from.resume());
			}
			return;
		}
		const last = queue[queue.length - 1];
		queue.push({ at: Math.max(Date.now() + ms, last?.at ?? 0), chunk });
		if (!timer) timer = setTimeout(pump, Math.max(0, ms));
	};
	from.on("data", (chunk: Buffer) => push(chunk));
	from.on("end", () => push(null));
	from.on("close", () => {
		if (timer) clearTimeout(timer);
	});
}

export async function startTcpProxy(target: {
	host: string;
	port: number;
}): Promise<TcpProxy> {
	const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
	let server: net.Server | undefined;
	let latencyMs = 0;
	const listen = (port: number) =>
		new Promise<number>((resolve, reject) => {
			const s = net.createServer((client) => {
				const upstream = net.connect(target.port, target.host);
				const pair = { client, upstream };
				pairs.add(pair);
				for (const socket of [client, upstream]) {
					socket.on("error", () => {});
					socket.on("close", () => pairs.delete(pair));
				}
				forward(client, upstream, () => latencyMs);
				forward(upstream, client, () => 0);
				client.on("close", () => upstream.destroy());
				upstream.on("close", () => client.destroy());
			});
			s.once("error", reject);
			s.listen(port, "127.0.0.1", () => {
				server = s;
				resolve((s.address() as net.AddressInfo).port);
			});
		});
	const port = await listen(0);
	const resetAll = () => {
		const n = pairs.size;
		for (const { client, upstream } of pairs) {
			client.resetAndDestroy();
			upstream.resetAndDestroy();
		}
		pairs.clear();
		return n;
	};
	/** Closes the listening socket; resolves once every connection it accepted has closed too. */
	const stopListening = () => {
		const s = server;
		server = undefined;
		return new Promise<void>((resolve) =>
			s ? s.close(() => resolve()) : resolve(),
		);
	};
	const cut = async () => {
		const closed = stopListening();
		resetAll();
		await closed;
	};
	return {
		port,
		cut,
		restore: async () => {
			await listen(port);
		},
		close: cut,
		resetAll,
		refuseNew: async () => {
			// The port is free as soon as close() returns; its open connections carry on.
			void stopListening();
		},
		acceptNew: async () => {
			if (!server) await listen(port);
		},
		setLatency: (ms) => {
			latencyMs = ms;
		},
		connections: () => pairs.size,
	};
}
